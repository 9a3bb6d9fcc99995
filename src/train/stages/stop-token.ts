import { T1Error } from "../../util/errors.js";
import type { TextTokenizer } from "../../engine/tokenizer/tokenizer.js";

/**
 * The token that ends the assistant turn, which stage 2 teaches (learnStop) and stage 3 samples as
 * its only stop: `<|im_end|>` (chat models), else the tokenizer's eos. Retrieval's reason mode stops
 * at it too, so a model trained to emit it stops where its teacher did.
 */
export function turnStopId(tok: TextTokenizer, fallback?: number): number {
  const id = tok.tokenId("<|im_end|>") ?? (tok.eosToken !== undefined ? tok.tokenId(tok.eosToken) : undefined) ?? fallback;
  if (id === undefined) throw new T1Error("BAD_INPUT", "the tokenizer has no stop token (<|im_end|> or an eos token): learning to stop needs one (learnStop: false to train without it)");
  return id;
}
