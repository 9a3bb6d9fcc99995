import type { SplitSizes } from "./split.js";
import type { WorldSize } from "./world.js";

/**
 * Named sizes. `tiny` is for tests and the `npm start` demo (about 150 documents, generated in well
 * under a second); `default` is what the experiment trains on in about half an hour per seed on two
 * cores (about 600 documents, ~1,600 training questions, 160 dev, 240 test).
 */
export interface TestbedSize {
  world: WorldSize;
  split: SplitSizes;
}

export const TESTBED_SIZES = {
  tiny: {
    world: { persons: 48, orgs: 10, towns: 8, itemKinds: 4, pricesPerKind: 6, occupations: 4, creatures: 40, coverings: 3, habitats: 3, orders: 3 },
    split: { trainPerFamily: 100, devPerFamily: 10, testPerFamily: 15 },
  },
  small: {
    world: { persons: 120, orgs: 20, towns: 12, itemKinds: 6, pricesPerKind: 8, occupations: 6, creatures: 80, coverings: 4, habitats: 4, orders: 4 },
    split: { trainPerFamily: 400, devPerFamily: 25, testPerFamily: 40 },
  },
  default: {
    world: { persons: 240, orgs: 40, towns: 20, itemKinds: 8, pricesPerKind: 12, occupations: 10, creatures: 160, coverings: 4, habitats: 4, orders: 4 },
    split: { trainPerFamily: 1000, devPerFamily: 40, testPerFamily: 60 },
  },
} as const satisfies Record<string, TestbedSize>;

export type TestbedSizeName = keyof typeof TESTBED_SIZES;
export const TESTBED_SIZE_NAMES = Object.keys(TESTBED_SIZES) as TestbedSizeName[];
