import { describe, expect, it } from 'vitest';
import type { DriftItem } from '../../helper/domain.js';
import { applyIgnoreRules, matcher, parseIgnoreFile, ruleFor } from '../../helper/ignore.js';

const DOMAINS = ['flatpak', 'gsettings', 'systemd'];
const item = (domain: string, key: string): DriftItem => ({ id: `${domain}:${key}`, domain, key, kind: 'addition' });

describe('parseIgnoreFile', () => {
  it('reads rules, comments, reasons and expiry dates', () => {
    const { rules, problems } = parseIgnoreFile(
      '/r/.bktignore',
      [
        '# machine-local',
        'flatpak:org.gnome.Boxes',
        '',
        'gsettings:org.gnome.desktop.privacy.*  expires=2026-12-31 reason="trying \\"privacy\\" settings"',
        '!gsettings:org.gnome.desktop.privacy.remember-recent-files  # this one matters',
      ].join('\n'),
      DOMAINS,
    );
    expect(problems).toEqual([]);
    expect(rules.map((r) => [r.line, r.negate, r.domain, r.pattern, r.reason, r.expires])).toEqual([
      [2, false, 'flatpak', 'org.gnome.Boxes', undefined, undefined],
      [4, false, 'gsettings', 'org.gnome.desktop.privacy.*', 'trying "privacy" settings', '2026-12-31'],
      [5, true, 'gsettings', 'org.gnome.desktop.privacy.remember-recent-files', 'this one matters', undefined],
    ]);
  });

  it('reports bad lines with file and line, and keeps the good ones', () => {
    const { rules, problems } = parseIgnoreFile(
      '/r/.bktignore',
      ['flatpaks:org.gnome.Boxes', 'no-colon', 'systemd:cups.service expires=2026-02-30', 'systemd:a.service until=x', 'systemd:ok.service'].join('\n'),
      DOMAINS,
    );
    expect(problems).toEqual([
      { file: '/r/.bktignore', line: 1, message: "unknown domain 'flatpaks' (known: flatpak, gsettings, systemd)" },
      { file: '/r/.bktignore', line: 2, message: "expected domain:pattern, got 'no-colon'" },
      { file: '/r/.bktignore', line: 3, message: "expires must be a date YYYY-MM-DD, got '2026-02-30'" },
      { file: '/r/.bktignore', line: 4, message: "unknown attribute 'until' (expected expires or reason)" },
    ]);
    expect(rules.map((r) => r.pattern)).toEqual(['ok.service']);
  });

  it('refuses a reason whose quote is not closed, instead of keeping the quote in it', () => {
    const { rules, problems } = parseIgnoreFile('/r/.bktignore', 'flatpak:a reason="unterminated\nflatpak:b reason=bare-word', DOMAINS);
    expect(problems).toEqual([{ file: '/r/.bktignore', line: 1, message: 'reason=" has no closing quote' }]);
    expect(rules.map((r) => [r.pattern, r.reason])).toEqual([['b', 'bare-word']]);
  });
});

describe('applyIgnoreRules', () => {
  const parse = (text: string) => parseIgnoreFile('/r/.bktignore', text, DOMAINS).rules;

  it('ignores matching items by glob, and the last matching rule decides', () => {
    const rules = parse('gsettings:org.gnome.desktop.privacy.*\n!gsettings:org.gnome.desktop.privacy.remember-app-usage\n*:org.gnome.Boxes');
    const items = [
      item('gsettings', 'org.gnome.desktop.privacy.old-files-age'),
      item('gsettings', 'org.gnome.desktop.privacy.remember-app-usage'),
      item('gsettings', 'org.gnome.desktop.interface.gtk-theme'),
      item('flatpak', 'org.gnome.Boxes'),
    ];
    const outcome = applyIgnoreRules(items, rules, '2026-11-25');
    expect(outcome.ignored.map((i) => i.id)).toEqual(['gsettings:org.gnome.desktop.privacy.old-files-age', 'flatpak:org.gnome.Boxes']);
    expect(outcome.kept.map((i) => i.key)).toEqual(['org.gnome.desktop.privacy.remember-app-usage', 'org.gnome.desktop.interface.gtk-theme']);
    expect(outcome.unused).toEqual([]);
  });

  it('stops applying a rule after its last day and says so', () => {
    const rules = parse('flatpak:org.gnome.Boxes expires=2026-11-24\nsystemd:cups.service expires=2026-11-25');
    const outcome = applyIgnoreRules([item('flatpak', 'org.gnome.Boxes'), item('systemd', 'cups.service')], rules, '2026-11-25');
    expect(outcome.kept.map((i) => i.id)).toEqual(['flatpak:org.gnome.Boxes']);
    expect(outcome.expired.map((r) => r.line)).toEqual([1]);
  });

  it('matches `*` across slashes too: keys are not paths (a relocatable schema at any path)', () => {
    const key = 'org.gnome.desktop.app-folders.folder:/org/gnome/desktop/app-folders/folders/Utilities/.name';
    for (const rule of ['gsettings:org.gnome.desktop.app-folders.*', 'gsettings:org.gnome.desktop.app-folders.folder:*', 'gsettings:*Utilities/.name', 'gsettings:*/folders/*/.name']) {
      expect(applyIgnoreRules([item('gsettings', key)], parse(rule), '2026-11-25').ignored, rule).toHaveLength(1);
    }
    expect(applyIgnoreRules([item('gsettings', key)], parse('gsettings:*/Games/*'), '2026-11-25').ignored).toEqual([]);
  });

  it('the same globs select item ids for --only and --exclude', () => {
    const only = matcher(['gsettings:org.gnome.desktop.app-folders.*', 'flatpak:org.gnome.*']);
    expect(only('gsettings:org.gnome.desktop.app-folders.folder:/org/gnome/desktop/app-folders/folders/Utilities/.name')).toBe(true);
    expect(only('flatpak:org.gnome.Boxes')).toBe(true);
    expect(only('flatpak:com.example.App')).toBe(false);
  });

  it('lists rules that matched nothing', () => {
    const outcome = applyIgnoreRules([item('flatpak', 'a')], parse('flatpak:a\nflatpak:b*'), '2026-11-25');
    expect(outcome.unused.map((r) => r.pattern)).toEqual(['b*']);
  });

  it('a rule written for an item matches that item only, even with glob characters in its key', () => {
    const odd = item('systemd', 'getty@tty[1].service');
    const rules = parse(ruleFor(odd, 'keeps "tty1" alive'));
    expect(rules[0]?.reason).toBe('keeps "tty1" alive');
    const outcome = applyIgnoreRules([odd, item('systemd', 'getty@tty1.service')], rules, '2026-11-25');
    expect(outcome.ignored).toEqual([odd]);
  });
});
