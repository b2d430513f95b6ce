// Distrobox containers. Their schema is here so that the user's manifest loads
// and round-trips; inspecting the containers comes in a later release, so the
// domain reports itself unavailable rather than guessing.
import * as z from 'zod/mini';
import { DomainUnavailable, type Domain } from '../domain.js';

const Container = z.looseObject({ image: z.string().check(z.minLength(1)), packages: z.optional(z.array(z.string())) });
const DistroboxManifest = z.looseObject({ $schema: z.optional(z.string()), containers: z.record(z.string(), Container) });
type DistroboxManifest = z.infer<typeof DistroboxManifest>;

export const DISTROBOX_LATER = 'distrobox support comes in a later release: containers are not inspected yet';

export const distrobox: Domain<DistroboxManifest, never> = {
  name: 'distrobox',
  title: 'Distrobox',
  file: 'distrobox.json',
  schema: DistroboxManifest,
  collect: async () => {
    throw new DomainUnavailable(DISTROBOX_LATER);
  },
  compare: () => [],
  capture: () => [],
  apply: () => ({ unsupported: DISTROBOX_LATER }),
  watch: () => ({ paths: [] }),
};
