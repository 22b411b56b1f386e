// The usage lines and --help texts of the tendril command (docs/cli.md says the same at length).

export const COMMANDS = ['sh', 'run', 'cp', 'facts', 'tree'] as const;
export type CommandName = (typeof COMMANDS)[number];

export const USAGE: Record<CommandName, string> = {
  sh: 'usage: tendril sh HOSTS [options] -- COMMAND...',
  run: 'usage: tendril run HOSTS FILE.ts#fn [options] [--] [JSON_ARG...]',
  cp: 'usage: tendril cp [options] SRC HOSTS:DEST   |   tendril cp [options] HOST:SRC DEST/',
  facts: 'usage: tendril facts HOSTS [options]',
  tree: 'usage: tendril tree HOSTS [options]',
};

export const MAIN_USAGE = 'usage: tendril <sh|run|cp|facts|tree> HOSTS [options] ...   (tendril <command> --help)';

const HOSTS_TEXT = `HOSTS is a comma list of:
  [user@]host[:port]     an ssh target (OpenSSH: ~/.ssh/config applies)
  local                  this machine, as a local node child (no ssh)
  @FILE                  one host a line ('#' comments), or a JSON/YAML inventory
  @FILE.yaml:GROUP       the hosts of one group of an inventory`;

const OPTIONS_TEXT = `Options:
  -u, --user USER          ssh login name when HOSTS does not give one
  -p, --port PORT          ssh port when HOSTS does not give one
  -i, --identity FILE      private key for the ssh connections made from here
  -J, --via HOST           go through HOST ([user@]host[:port]); repeat for a chain
      --known-hosts FILE   known_hosts file for the ssh connections made from here
      --host-keys MODE     enforce (default) | accept (record new keys) | ignore
  -b, --become             run as another account (default root) on each host
      --become-user USER   the account to become (implies -b)
      --become-method M    sudo (default) | su | doas (implies -b)
  -K, --ask-become-pass    ask the become password once, without echo, on the terminal
  -f, --forks N            hosts worked on at once (default 16)
  -t, --timeout SECONDS    limit for connecting to each host, and for the work on it
      --json               one JSON object per host per line on stdout (the default
                           when stdout is not a terminal)
      --stream             print output lines as they come, prefixed by the host
  -v, --verbose            debug logs of every context, on stderr
  -h, --help               this help

Exit status: 0 every host succeeded, 2 some failed, 3 some could not be reached,
64 usage error.`;

const ABOUT: Record<CommandName, string> = {
  sh: `Runs a shell command (/bin/sh -c) on every host; its words are joined by spaces.

Examples:
  tendril sh web1,web2 -- uptime
  tendril sh alice@10.0.0.5:2222,bob@10.0.0.6 -i ~/.ssh/id_ed25519 -- 'id -un; df -h /'
  tendril sh @hosts.txt -b -K -f 4 -- apt-get -y upgrade
  tendril sh db1 -J bastion -J admin@inner --stream -- journalctl -fu postgres`,
  run: `Calls an exported function of a TypeScript or JavaScript file on every host, with
each argument parsed as JSON; prints what it returns. The file and what it imports
are served from here (nothing is installed on the hosts).

Examples:
  tendril run web1,web2 ./tasks.ts#diskUsage '"/var"'
  tendril run @inventory.yaml:web ./deploy.ts#release '{"version":"1.4.2"}' 3 -f 1
  tendril run local ./check.ts#default --json`,
  cp: `Copies a file to every host (SRC HOSTS:DEST), or from hosts to a local directory
(HOST:SRC DEST/, saved as DEST/<host>/<name> when several hosts are given). Writes
go to a temporary file renamed into place once complete and verified (sha256).

Examples:
  tendril cp ./app.tar.gz web1,web2,web3:/srv/app.tar.gz
  tendril cp ./nginx.conf @hosts.txt:/etc/nginx/nginx.conf -b
  tendril cp web1:/var/log/syslog ./logs/`,
  facts: `Prints hostname, OS, Node version, uptime, load and disk of every host.

Examples:
  tendril facts web1,web2,local
  tendril facts @inventory.yaml --json | jq .facts.load`,
  tree: `Connects to every host and shows the live tree of contexts with their states
(hops of -J, ssh connections, become).

Examples:
  tendril tree web1,web2 -J bastion -b`,
};

export function helpText(command: CommandName): string {
  return `${USAGE[command]}\n\n${ABOUT[command]}\n\n${HOSTS_TEXT}\n\n${OPTIONS_TEXT}\n`;
}

export function mainHelp(): string {
  return `${MAIN_USAGE}

tendril runs work across hosts from this machine: it starts node on each target over
ssh (nothing to install there but node) and reports per host.

Commands:
  sh HOSTS -- COMMAND...            run a shell command on every host
  run HOSTS FILE.ts#fn [JSON]...    call a function of a local file on every host
  cp SRC HOSTS:DEST                 copy a file to every host (HOST:SRC DEST/ fetches)
  facts HOSTS                       hostname, OS, Node version, uptime, load, disk
  tree HOSTS                        the live context tree with states

${HOSTS_TEXT}

${OPTIONS_TEXT}
`;
}
