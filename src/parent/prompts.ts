// Password conversations with sudo, su, doas and ssh before the child runs: watch what the
// tool prints (on stderr, on a PTY, or on the channel itself before the start marker), answer
// its password prompt once, and turn "needs a password" and "wrong password" into
// PasswordError. Prompts end without a newline, so this works on raw text, not lines.
import type { Readable } from 'node:stream';
import { PasswordError } from '../core/errors.js';
import type { LaunchIO } from './connection.js';

export interface PromptRules {
  /** The tool that asks, for messages: "sudo". */
  what: string;
  password: string | undefined;
  /** The output ends with one of these (trailing blanks ignored, any case) when it asks. */
  prompts: (string | RegExp)[];
  /** Any of these anywhere in the output means the password was refused. */
  incorrect: (string | RegExp)[];
  /** Name of the option that carries the password, for the "needed" message. */
  option?: string;
}

/** Prompts of su and friends in the languages their PAM modules print. */
export const LOCALIZED_PASSWORD_PROMPTS: RegExp[] = [
  /(password|passwort|mot de passe|contraseña|senha|wachtwoord|lösenord|adgangskode|passord|salasana|hasło|heslo|jelszó|parola|пароль|密码|密碼|パスワード|암호|비밀번호|κωδικός)[^\n]{0,40}[:：]\s*$/iu,
];

export const INCORRECT_PASSWORD_TEXTS: (string | RegExp)[] = [
  /authentication failure/i,
  /authentication failed/i,
  /incorrect password/i,
  /sorry, try again/i,
  /permission denied \(/i,
  /authentifizierungsfehler|échec d'authentification|fallo de autenticación|falha de autenticação/i,
];

function ends(text: string, p: string | RegExp): boolean {
  const t = text.replace(/\s+$/, '');
  return typeof p === 'string' ? t.toLowerCase().endsWith(p.replace(/\s+$/, '').toLowerCase()) : p.test(text);
}

function has(text: string, p: string | RegExp): boolean {
  return typeof p === 'string' ? text.toLowerCase().includes(p.toLowerCase()) : p.test(text);
}

/**
 * Watches `sources` until the launch settles; answers the password prompt through `answer`.
 * A second prompt after an answer, or an "incorrect" text, is a wrong password.
 */
export function converse(io: LaunchIO, sources: Readable[], answer: (text: string) => void, rules: PromptRules): void {
  let seen = '';
  let answered = false;
  const onText = (chunk: Buffer | string): void => {
    if (io.done.aborted) return;
    seen = (seen + chunk.toString()).slice(-2000);
    if (answered && rules.incorrect.some((p) => has(seen, p))) {
      io.fail(`the ${rules.what} password was refused (incorrect password)`, PasswordError);
      return;
    }
    if (!rules.prompts.some((p) => ends(seen, p))) return;
    if (rules.password === undefined) {
      io.fail(`${rules.what} asks for a password and none was given (option ${rules.option ?? 'password'})`, PasswordError);
    } else if (answered) {
      io.fail(`the ${rules.what} password was refused (asked again)`, PasswordError);
    } else {
      answered = true;
      seen = '';
      answer(`${rules.password}\n`);
    }
  };
  for (const s of sources) {
    s.on('data', onText);
    io.done.addEventListener('abort', () => s.off('data', onText), { once: true });
  }
}
