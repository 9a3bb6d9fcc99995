/**
 * How instructions enter T1 inputs. The texts themselves live in the one T1 format module
 * (src/data/t1-format); BRIGHT's per-task presets live with the BRIGHT loaders.
 */
export { brightInstruction } from "../../data/bright-domains.js";
export { queryUserMessage, documentPrefix } from "../../data/t1-format/index.js";
