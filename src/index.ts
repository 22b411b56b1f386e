// The public API of tendril (see API.md and docs/api.md; the reference in docs/reference/ is
// generated from it by `npm run docs`). Nothing else is exported.
export { Router } from './master/router.js';
export type { CoreRouter } from './core/routing/router.js';
export type { ModuleStats } from './master/module-responder.js';
export type { ImportPolicy } from './master/module-responder-policy.js';
export type { RouterOptions, ConnectionMethod, MethodOptions, ContextEventRecord, ContextStateChange, ContextTreeNode, DumpedContext, PendingCall, RouterDump } from './master/router.js';
export type { LogRecord, LogSource } from './core/logging/log-record.js';
export type {
  CommonOptions,
  LocalOptions,
  PtyMode,
  SshOptions,
  SudoOptions,
  SuOptions,
  DoasOptions,
  DockerOptions,
  PodmanOptions,
  BuildahOptions,
  KubectlOptions,
  LxcOptions,
  LxdOptions,
  IncusOptions,
  JailOptions,
  SetnsOptions,
} from './core/routing/connection-options.js';
export { Context } from './core/calls/context.js';
export type { ContextState, ShutdownOptions } from './core/calls/context.js';
export { CallChain } from './core/calls/call-chain.js';
export { CallView } from './core/calls/call-view.js';
export type { CallOptions } from './core/calls/call-options.js';
export type { CurrentCall } from './core/calls/running-call.js';
export type { RemoteStream } from './core/calls/remote-stream-type.js';
export type { ShellCommand, ShellOutput, OutputFor, SpawnOptions, ExecOptions, ExecResult, ExitStatus, OutputLine, SpawnedProcess } from './core/calls/shell-types.js';
export { fanOut } from './master/fan-out.js';
export type { FanOutOptions, FanOutResult, FanOutValue, FanOutFailure } from './master/fan-out.js';
export type { ChainOptions } from './core/calls/call-chain.js';
export type { RemoteModule, RemoteFunction, RemoteResult, Wire } from './core/calls/remote-module.js';
export { Receiver } from './core/messaging/receiver.js';
export type { ReceiverOptions, GetOptions, ReceiverState } from './core/messaging/receiver.js';
export { Sender } from './core/messaging/sender.js';
export { Select } from './core/messaging/select.js';
export { Channel } from './core/messaging/channel.js';
export type { SelectOptions } from './core/messaging/select.js';
export { Message } from './core/messaging/message.js';
export type { Handler, HandlerOptions, Policy, LogLevel } from './core/routing/router.js';
export { currentRouter, callerContext, currentCall } from './core/calls/current.js';
export { hasParentAuthority, isImmediateChild } from './core/routing/policies.js';
export { Service, expose } from './core/calls/service.js';
export type { ServicePolicy, ExposeOptions } from './core/calls/service.js';
export type { ServiceProxy } from './core/calls/service-client.js';
export type { ContextFiles, Transfer, TransferProgress, TransferResult, PutOptions } from './core/calls/files-hook.js';
export type { RouterFiles, PushTransfer, PushProgress } from './files/router-files.js';
export {
  TendrilError,
  CallError,
  ChannelError,
  TimeoutError,
  StreamError,
  PasswordError,
  HostKeyError,
} from './core/errors.js';
export type { RemoteContextInfo, CallErrorDetails } from './core/errors.js';
export { isMain } from './master/is-main.js';
export { Supervisor, SupervisorError, defaultDecider } from './master/supervisor.js';
export type {
  SupervisorOptions,
  SupervisedChildSpec,
  SupervisorState,
  SupervisorStatus,
  SupervisedChildState,
  SupervisedChildStatus,
  SupervisorStrategy,
  RestartType,
  Decision,
  Decider,
  IntensityScope,
  SupervisorClock,
  SupervisorErrorInfo,
} from './master/supervisor.js';
export { describeTree } from './master/describe-tree.js';
export { fakeSsh } from './fakessh/fake-ssh.js';
export type { FakeSshOptions, FakeSshResult } from './fakessh/fake-ssh.js';
export { connectUnix } from './master/listener/connect-unix.js';
export type { ConnectUnixOptions, UnixConnection } from './master/listener/connect-unix.js';
export { AttachedRouter } from './master/listener/attached-router.js';
export { Listener } from './master/listener/listener.js';
export type { ListenOptions } from './master/listener/listener.js';
