import { execFileSync } from 'node:child_process';

// The integration tests run the built `bkt` command, as a user does.
export default function setup(): void {
  execFileSync(process.execPath, ['build/build.mjs'], { stdio: 'inherit' });
}
