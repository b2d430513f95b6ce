// The booted-container part of the bench: `bkt drift check systemd` against a
// real systemd manager, which needs root, systemd-nspawn and the project's
// container harness (test/harness/systemd-container.ts). Reported apart.
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerResult } from './results.js';

export async function measureContainer(repo: string): Promise<ContainerResult> {
  if (process.getuid?.() !== 0) return { skipped: 'needs root' };
  const harness = join(repo, 'test', 'harness', 'systemd-container.ts');
  const present = await access(harness).then(() => true, () => false);
  if (!present) return { skipped: `no container harness (${harness})` };
  return { skipped: 'the container harness is not wired into the bench yet' };
}
