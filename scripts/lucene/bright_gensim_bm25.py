"""Reference for t1's "bright-gensim" BM25 variant: BRIGHT's retrieval_bm25 (xlangai/BRIGHT,
retrievers.py) with the analyzer step left to the caller.

BRIGHT builds a gensim Dictionary over the analyzed corpus, weights documents and queries with
gensim's LuceneBM25Model(k1=0.9, b=0.4) and scores with SparseMatrixSimilarity(normalize_queries=False,
normalize_documents=False). This script uses gensim's own Dictionary and corpus2csc and scipy's sparse
product as SparseMatrixSimilarity does; the LuceneBM25Model weighting (gensim >= 4.3, absent from
Debian's gensim 4.2) is written out from gensim's documented formula:
    idf = ln(N + 1) - ln(df + 0.5);  w = idf * tf / (tf + k1 * (1 - b + b * len / avgdl))
with N = documents, avgdl = total tokens / N, len = tokens of the vector being weighted.

Input: JSON lines {"id": ..., "tokens": [...]} for documents and queries (already analyzed).
Output: a TREC run, top K per query, BRIGHT's order (score descending, ties in corpus order), all
documents eligible (zero scores fill the list), scores printed with repr() of the float32 value.

usage: /usr/bin/python3 bright_gensim_bm25.py DOCS.jsonl QUERIES.jsonl OUT.trec K [K1 B]
"""
import json
import math
import sys

import numpy as np
from gensim.corpora import Dictionary
from gensim import matutils


def read(path):
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return [r["id"] for r in rows], [r["tokens"] for r in rows]


def main():
    docs_path, queries_path, out_path, k = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    k1 = float(sys.argv[5]) if len(sys.argv) > 5 else 0.9
    b = float(sys.argv[6]) if len(sys.argv) > 6 else 0.4
    doc_ids, corpus = read(docs_path)
    query_ids, queries = read(queries_path)
    dictionary = Dictionary(corpus)
    num_docs = dictionary.num_docs
    avgdl = sum(dictionary.cfs.values()) / num_docs
    idfs = {t: math.log(num_docs + 1.0) - math.log(df + 0.5) for t, df in dictionary.dfs.items()}

    def weigh(bow):
        length = sum(tf for _, tf in bow)
        tfs = np.array([tf for _, tf in bow], dtype=np.float64)
        idf = np.array([idfs.get(t) or 0.0 for t, _ in bow], dtype=np.float64)
        w = idf * (tfs / (tfs + k1 * (1 - b + b * length / avgdl)))
        return [(t, float(x)) for (t, _), x in zip(bow, w)]

    bm25_corpus = [weigh(dictionary.doc2bow(doc)) for doc in corpus]
    index = matutils.corpus2csc(bm25_corpus, num_terms=len(dictionary), num_docs=len(corpus), dtype=np.float32).T.tocsr()
    with open(out_path, "w", encoding="utf-8") as out:
        for qid, query in zip(query_ids, queries):
            q = matutils.corpus2csc([weigh(dictionary.doc2bow(query))], len(dictionary), dtype=np.float32)
            scores = (index * q.tocsc()).toarray().flatten().tolist()
            ranked = sorted(zip(doc_ids, scores), key=lambda x: x[1], reverse=True)[:k]
            for rank, (did, s) in enumerate(ranked, 1):
                out.write(f"{qid} Q0 {did} {rank} {s!r} gensim\n")


if __name__ == "__main__":
    main()
