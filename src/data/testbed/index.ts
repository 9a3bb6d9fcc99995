/** The reasoning-retrieval testbed: a seeded world, four task families, held-out splits, the directory format. */
export { makeTestbed, TESTBED_GENERATOR_VERSION, TESTBED_INSTRUCTION, type Testbed, type TestbedQuery } from "./make.js";
export { TESTBED_SIZES, TESTBED_SIZE_NAMES, type TestbedSize, type TestbedSizeName } from "./presets.js";
export { FAMILY_NAMES, HELDOUT_PATH, type FamilyName } from "./families.js";
export { writeTestbed, testbedManifest, type TestbedManifest } from "./writer.js";
export { readTestbed, TESTBED_FILES, type TestbedDir, type TestbedQueryRecord } from "./read.js";
