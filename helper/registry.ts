// The only list of domains. A new domain is one file in domains/ and one line here.
// The order is the order of the report.
import type { Domain } from './domain.js';
import { appimages } from './domains/appimages.js';
import { distrobox } from './domains/distrobox.js';
import { extensions } from './domains/extensions.js';
import { flatpakApps } from './domains/flatpak.js';
import { flatpakRemotes } from './domains/flatpak-remotes.js';
import { gsettings } from './domains/gsettings.js';
import { homebrew } from './domains/homebrew.js';
import { hostBinaries } from './domains/host-binaries.js';
import { shims } from './domains/shims.js';
import { systemd } from './domains/systemd.js';
import { toolbox } from './domains/toolbox.js';

export const DOMAINS: readonly Domain[] = [
  flatpakApps as Domain,
  flatpakRemotes as Domain,
  extensions as Domain,
  gsettings as Domain,
  systemd as Domain,
  shims as Domain,
  hostBinaries as Domain,
  appimages as Domain,
  homebrew as Domain,
  distrobox as Domain,
  toolbox as Domain,
];
