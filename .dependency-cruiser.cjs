/**
 * The source layers of t1, enforced by dependency-cruiser (`test/layers/layers.test.ts` runs it under
 * `npm test`). Each entry of LAYERS is one layer; a file may import from its own layer or any layer
 * listed before it, never from one listed after it. Folders that share a layer (retrieval and train;
 * the top-level jobs) may import each other; cycles are forbidden everywhere.
 *
 *   util → data → engine → backends → retrieval / train → eval → bright / serve / cli / experiment
 *
 * docs/CONTRIBUTING.md draws the same list with what lives in each folder.
 */
const LAYERS = [
  ["util"],
  ["data"],
  ["engine"],
  ["backends"],
  ["retrieval", "train"],
  ["eval"],
  ["bright", "serve", "cli", "experiment", "index.ts"],
];

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const pathOf = (folder) => (folder.endsWith(".ts") ? `^src/${escape(folder)}$` : `^src/${escape(folder)}/`);

const layerRules = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-${layer.join("-")}`,
  comment:
    `src/${layer.join(", src/")} sits below ${LAYERS.slice(i + 1).flat().join(", ")}: ` +
    "it may import only from its own layer or the layers listed before it in .dependency-cruiser.cjs",
  severity: "error",
  from: { path: layer.map(pathOf) },
  to: { path: LAYERS.slice(i + 1).flat().map(pathOf) },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: "no-circular",
      comment: "a cycle makes two files one concern; move the shared part to one side or a small types file",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "no-unknown-folder",
      comment: "every folder of src belongs to a layer; add a new folder to LAYERS in .dependency-cruiser.cjs",
      severity: "error",
      from: { path: "^src/", pathNot: LAYERS.flat().map(pathOf) },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    includeOnly: "^src/",
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
    moduleSystems: ["es6"],
    cache: false,
  },
};
