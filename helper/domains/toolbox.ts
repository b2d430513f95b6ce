// Packages of the development toolbox. Their schema is here so that the user's
// manifest loads and round-trips; inspecting the toolbox comes in a later
// release, so the domain reports itself unavailable rather than guessing.
import * as z from 'zod/mini';
import { DomainUnavailable, type Domain } from '../domain.js';

const CoprRepo = z.looseObject({ name: z.string().check(z.minLength(1)), enabled: z.boolean(), gpg_check: z.optional(z.boolean()) });
const ToolboxManifest = z.looseObject({
  $schema: z.optional(z.string()),
  packages: z.array(z.string()),
  groups: z.optional(z.array(z.string())),
  excluded: z.optional(z.array(z.string())),
  copr_repos: z.optional(z.array(CoprRepo)),
});
type ToolboxManifest = z.infer<typeof ToolboxManifest>;

export const TOOLBOX_LATER = 'toolbox support comes in a later release: the toolbox is not inspected yet';

export const toolbox: Domain<ToolboxManifest, never> = {
  name: 'toolbox',
  title: 'Toolbox packages',
  file: 'toolbox-packages.json',
  schema: ToolboxManifest,
  collect: async () => {
    throw new DomainUnavailable(TOOLBOX_LATER);
  },
  compare: () => [],
  capture: () => [],
  apply: () => ({ unsupported: TOOLBOX_LATER }),
  watch: () => ({ paths: [] }),
};
