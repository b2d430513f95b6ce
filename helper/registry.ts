// The only list of domains. A new domain is one file in domains/ and one line here.
// The order is the order of the report.
//
// A line names the domain and its manifest; its code is loaded when a check
// finds that manifest or a command needs the domain: evaluating all eleven
// domain modules (their schemas, semver, ...) cost every check ~5 ms, most of
// it for domains the user does not manage (measured).
import type { Domain, DomainEntry } from './domain.js';

const LINES: readonly DomainEntry[] = [
  { name: 'flatpak', file: 'flatpak-apps.json', load: async () => (await import('./domains/flatpak.js')).flatpakApps as Domain },
  { name: 'flatpak-remotes', file: 'flatpak-remotes.json', load: async () => (await import('./domains/flatpak-remotes.js')).flatpakRemotes as Domain },
  { name: 'extensions', file: 'gnome-extensions.json', load: async () => (await import('./domains/extensions.js')).extensions as Domain },
  { name: 'gsettings', file: 'gsettings.json', load: async () => (await import('./domains/gsettings.js')).gsettings as Domain },
  {
    name: 'systemd',
    file: 'systemd-services.json',
    captureOptIns: [{ flag: 'include-masked', help: 'also add units masked in /etc or /run that systemd-services.json does not list yet', held: 'units masked outside the manifest' }],
    load: async () => (await import('./domains/systemd.js')).systemd as Domain,
  },
  { name: 'shims', file: 'host-shims.json', load: async () => (await import('./domains/shims.js')).shims as Domain },
  { name: 'host-binaries', file: 'host-binaries.json', load: async () => (await import('./domains/host-binaries.js')).hostBinaries as Domain },
  { name: 'appimages', file: 'appimage-apps.json', load: async () => (await import('./domains/appimages.js')).appimages as Domain },
  { name: 'homebrew', file: 'homebrew.json', load: async () => (await import('./domains/homebrew.js')).homebrew as Domain },
  { name: 'distrobox', file: 'distrobox.json', load: async () => (await import('./domains/distrobox.js')).distrobox as Domain },
  { name: 'toolbox', file: 'toolbox-packages.json', load: async () => (await import('./domains/toolbox.js')).toolbox as Domain },
];

export class UnknownDomain extends Error {
  override name = 'UnknownDomain';
  constructor(
    readonly domain: string,
    registry: readonly { name: string }[] = DOMAINS,
  ) {
    super(`unknown domain '${domain}' (known: ${registry.map((d) => d.name).join(', ')})`);
  }
}

let loaded = 0;

/** Each line, noting the domains whose code this process loads. */
export const DOMAINS: readonly DomainEntry[] = LINES.map((line, index) => ({
  ...line,
  load: async () => {
    const domain = await line.load();
    loaded |= 1 << index;
    return domain;
  },
}));

/**
 * The domains whose code this process has loaded, one bit per registry line:
 * bin/bkt.cjs writes V8's code cache again after a run that loaded a domain
 * the cache's writers did not.
 */
export const domainsLoaded = (): number => loaded;

/** The domain named `name`, loaded; throws UnknownDomain for a name the registry does not have. */
export async function loadDomain(name: string): Promise<Domain> {
  const entry = DOMAINS.find((d) => d.name === name);
  if (!entry) throw new UnknownDomain(name);
  return entry.load();
}

/** Every domain, loaded (for what needs them all: the JSON Schemas, the tests). */
export const loadAllDomains = (): Promise<Domain[]> => Promise.all(DOMAINS.map((d) => d.load()));
