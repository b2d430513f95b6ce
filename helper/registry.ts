// The only list of domains. A new domain is one file in domains/ and one line here.
import type { Domain } from './domain.js';
import { shims } from './domains/shims.js';

export const DOMAINS: readonly Domain[] = [shims as Domain];
