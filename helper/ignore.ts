// Ignore rules: pure parsing and matching. The files are read at the edge
// (engine.ts); this module only sees their text.
//
// A line is `[!]domain:pattern [expires=YYYY-MM-DD] [reason="..."] [# note]`.
// Patterns are shell-style globs over the item key, where `*` matches any run
// of characters, dots and slashes too: `gsettings:org.gnome.desktop.privacy.*`
// matches every key of that schema, `gsettings:org.example.Profile:*` every
// key of a relocatable schema at any path. (Keys are not file paths.)
// The last rule that matches an item decides, as in .gitignore, so `!` re-includes.
import picomatch from 'picomatch';
import type { DriftItem } from './domain.js';

export interface IgnoreRule {
  file: string;
  line: number;
  text: string;
  negate: boolean;
  domain: string;
  pattern: string;
  reason?: string;
  /** The last day the rule applies (inclusive), YYYY-MM-DD. */
  expires?: string;
  matches(item: DriftItem): boolean;
}

export interface IgnoreProblem {
  file: string;
  line: number;
  message: string;
}

export interface IgnoreRules {
  rules: IgnoreRule[];
  problems: IgnoreProblem[];
}

const ATTRIBUTE = /^(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^"\s]\S*))/;

export function parseIgnoreFile(file: string, text: string, knownDomains: readonly string[]): IgnoreRules {
  const rules: IgnoreRule[] = [];
  const problems: IgnoreProblem[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (!trimmed || trimmed.startsWith('#')) return;
    const problem = (message: string) => problems.push({ file, line, message });

    const negate = trimmed.startsWith('!');
    const body = negate ? trimmed.slice(1) : trimmed;
    const head = /^(\S+)/.exec(body)?.[1] ?? '';
    const colon = head.indexOf(':');
    if (colon <= 0 || colon === head.length - 1) {
      problem(`expected domain:pattern, got '${head}'`);
      return;
    }
    const domain = head.slice(0, colon);
    const pattern = head.slice(colon + 1);
    if (domain !== '*' && !knownDomains.includes(domain)) {
      problem(`unknown domain '${domain}' (known: ${knownDomains.join(', ')})`);
      return;
    }

    let rest = body.slice(head.length).trim();
    let reason: string | undefined;
    let expires: string | undefined;
    while (rest && !rest.startsWith('#')) {
      const attribute = ATTRIBUTE.exec(rest);
      if (!attribute) {
        const opened = /^(\w+)="/.exec(rest);
        if (opened) {
          problem(`${opened[1]}=" has no closing quote`);
          return;
        }
        problem(`unexpected '${rest.split(/\s/)[0]}': write expires=YYYY-MM-DD, reason="..." or a # note`);
        return;
      }
      const [whole, name, quoted, bare] = attribute;
      const value = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : (bare ?? '');
      if (name === 'reason') reason = value;
      else if (name === 'expires') {
        if (!isDate(value)) {
          problem(`expires must be a date YYYY-MM-DD, got '${value}'`);
          return;
        }
        expires = value;
      } else {
        problem(`unknown attribute '${name}' (expected expires or reason)`);
        return;
      }
      rest = rest.slice(whole.length).trim();
    }
    if (rest.startsWith('#') && reason === undefined) reason = rest.slice(1).trim() || undefined;

    const isMatch = matcher(pattern);
    rules.push({
      file,
      line,
      text: trimmed,
      negate,
      domain,
      pattern,
      reason,
      expires,
      matches: (item) => (domain === '*' || domain === item.domain) && isMatch(item.key),
    });
  });
  return { rules, problems };
}

// picomatch's `*` stops at `/`, as in file paths; item keys and ids are not
// paths, so both sides see `/` as an ordinary character (U+2215 DIVISION SLASH
// stands in for it).
const slashless = (text: string) => text.replaceAll('/', '\u2215');

/** A matcher of item keys or ids for shell-style globs (any of `patterns`), `*` matching any run of characters. */
export function matcher(patterns: string | readonly string[]): (key: string) => boolean {
  const isMatch = picomatch(typeof patterns === 'string' ? slashless(patterns) : patterns.map(slashless), { dot: true, nocase: false });
  return (key) => isMatch(slashless(key));
}

function isDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

/** A rule has expired once the local date is past its last day. */
export function isExpired(rule: IgnoreRule, today: string): boolean {
  return rule.expires !== undefined && today > rule.expires;
}

export interface IgnoreOutcome {
  kept: DriftItem[];
  ignored: DriftItem[];
  /** Rules past their expiry date: they no longer apply. */
  expired: IgnoreRule[];
  /** Rules in force that matched no item. */
  unused: IgnoreRule[];
}

/** Splits items into kept and ignored; `today` is the local date YYYY-MM-DD. */
export function applyIgnoreRules(items: readonly DriftItem[], rules: readonly IgnoreRule[], today: string): IgnoreOutcome {
  const active = rules.filter((rule) => !isExpired(rule, today));
  const used = new Set<IgnoreRule>();
  const kept: DriftItem[] = [];
  const ignored: DriftItem[] = [];
  for (const item of items) {
    let decision: IgnoreRule | undefined;
    for (const rule of active) {
      if (rule.matches(item)) {
        decision = rule;
        used.add(rule);
      }
    }
    if (decision && !decision.negate) ignored.push(item);
    else kept.push(item);
  }
  return {
    kept,
    ignored,
    expired: rules.filter((rule) => isExpired(rule, today)),
    unused: active.filter((rule) => !used.has(rule)),
  };
}

/** The rule line `bkt drift resolve` appends when the user chooses ignore. */
export function ruleFor(item: DriftItem, reason?: string): string {
  const pattern = item.key.replace(/[*?[\]{}()!+@\\]/g, (c) => `\\${c}`);
  return `${item.domain}:${pattern}${reason ? ` reason="${reason.replace(/["\\]/g, (c) => `\\${c}`)}"` : ''}`;
}
