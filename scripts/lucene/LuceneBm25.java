// Reference implementation for t1's BM25 tests and benchmark: Lucene 8 EnglishAnalyzer +
// BM25Similarity, queries built as Anserini's BagOfWordsQueryGenerator does (one SHOULD clause per
// distinct analyzed term, boosted by its count). Input files are "t1 tsv": one record per line,
// `id<TAB>text`, where the text escapes backslash, tab, newline and CR as \\ \t \n \r (so Java needs
// no JSON library). Timings are measured inside the JVM (startup excluded) and printed as one JSON
// line on stdout.
//
// Usage (classpath: lucene-core, lucene-analyzers-common and the compiled class):
//   java LuceneBm25 analyze IN.tsv OUT.txt          one line per record: id<TAB>tokens joined by ' '
//   java LuceneBm25 run DOCS.tsv QUERIES.tsv OUT.trec K K1 B [SEARCH_PASSES]
//   java LuceneBm25 lengthtable                      the 256 decoded norm lengths, one per line
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LogDocMergePolicy;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.util.SmallFloat;

public class LuceneBm25 {
  static final String FIELD = "contents";

  static String unescape(String s) {
    if (s.indexOf('\\') < 0) return s;
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        char n = s.charAt(++i);
        b.append(n == 't' ? '\t' : n == 'n' ? '\n' : n == 'r' ? '\r' : n);
      } else b.append(c);
    }
    return b.toString();
  }

  static List<String[]> readTsv(String path) throws IOException {
    List<String[]> out = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(Paths.get(path), StandardCharsets.UTF_8)) {
      String line;
      while ((line = r.readLine()) != null) {
        int tab = line.indexOf('\t');
        if (tab < 0) throw new IOException(path + ": line without a tab: " + line);
        out.add(new String[] {unescape(line.substring(0, tab)), unescape(line.substring(tab + 1))});
      }
    }
    return out;
  }

  static List<String> analyze(Analyzer a, String text) throws IOException {
    List<String> toks = new ArrayList<>();
    try (TokenStream ts = a.tokenStream(FIELD, text)) {
      CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
      ts.reset();
      while (ts.incrementToken()) toks.add(term.toString());
      ts.end();
    }
    return toks;
  }

  static Query bagOfWords(Analyzer a, String text) throws IOException {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (String t : analyze(a, text)) counts.merge(t, 1, Integer::sum);
    BooleanQuery.Builder b = new BooleanQuery.Builder();
    for (Map.Entry<String, Integer> e : counts.entrySet()) {
      b.add(new BoostQuery(new TermQuery(new Term(FIELD, e.getKey())), (float) e.getValue()), BooleanClause.Occur.SHOULD);
    }
    return b.build();
  }

  /** CPU time of the whole JVM (all threads: indexing, merges, GC, JIT), in ms. */
  static double processCpuMs() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1e6;
  }

  public static void main(String[] args) throws Exception {
    String mode = args.length > 0 ? args[0] : "";
    EnglishAnalyzer analyzer = new EnglishAnalyzer();
    if (mode.equals("lengthtable")) {
      for (int i = 0; i < 256; i++) System.out.println(SmallFloat.byte4ToInt((byte) i));
    } else if (mode.equals("analyze")) {
      List<String[]> recs = readTsv(args[1]);
      try (BufferedWriter w = Files.newBufferedWriter(Paths.get(args[2]), StandardCharsets.UTF_8)) {
        for (String[] rec : recs) {
          w.write(rec[0]);
          w.write('\t');
          w.write(String.join(" ", analyze(analyzer, rec[1])));
          w.write('\n');
        }
      }
    } else if (mode.equals("run")) {
      List<String[]> docs = readTsv(args[1]);
      List<String[]> queries = readTsv(args[2]);
      int k = Integer.parseInt(args[4]);
      float k1 = Float.parseFloat(args[5]), b = Float.parseFloat(args[6]);
      int passes = args.length > 7 ? Integer.parseInt(args[7]) : 1;
      BM25Similarity sim = new BM25Similarity(k1, b);
      BooleanQuery.setMaxClauseCount(Integer.MAX_VALUE);
      long t0 = System.nanoTime();
      double c0 = processCpuMs();
      ByteBuffersDirectory dir = new ByteBuffersDirectory();
      IndexWriterConfig cfg = new IndexWriterConfig(analyzer).setSimilarity(sim).setRAMBufferSizeMB(512)
          .setMergePolicy(new LogDocMergePolicy()); // adjacent merges keep doc ids in input order
      try (IndexWriter iw = new IndexWriter(dir, cfg)) {
        for (String[] d : docs) {
          Document doc = new Document();
          doc.add(new TextField(FIELD, d[1], Field.Store.NO));
          iw.addDocument(doc);
        }
        iw.commit();
      }
      DirectoryReader reader = DirectoryReader.open(dir);
      long t1 = System.nanoTime();
      double cpuIndexMs = processCpuMs() - c0;
      IndexSearcher searcher = new IndexSearcher(reader);
      searcher.setSimilarity(sim);
      TopDocs[] results = new TopDocs[queries.size()];
      double bestSearchMs = Double.MAX_VALUE, bestCpuSearchMs = Double.MAX_VALUE;
      for (int p = 0; p < passes; p++) {
        long s0 = System.nanoTime();
        double sc0 = processCpuMs();
        for (int q = 0; q < queries.size(); q++) results[q] = searcher.search(bagOfWords(analyzer, queries.get(q)[1]), k);
        bestSearchMs = Math.min(bestSearchMs, (System.nanoTime() - s0) / 1e6);
        bestCpuSearchMs = Math.min(bestCpuSearchMs, processCpuMs() - sc0);
      }
      try (BufferedWriter w = Files.newBufferedWriter(Paths.get(args[3]), StandardCharsets.UTF_8)) {
        for (int q = 0; q < queries.size(); q++) {
          int rank = 1;
          for (ScoreDoc sd : results[q].scoreDocs) {
            w.write(queries.get(q)[0] + " Q0 " + docs.get(sd.doc)[0] + " " + rank++ + " " + sd.score + " lucene\n");
          }
        }
      }
      Runtime rt = Runtime.getRuntime();
      System.out.println("{\"docs\":" + docs.size() + ",\"queries\":" + queries.size() + ",\"indexMs\":" + (t1 - t0) / 1e6
          + ",\"searchMs\":" + bestSearchMs
          + ",\"cpuIndexMs\":" + cpuIndexMs + ",\"cpuSearchMs\":" + bestCpuSearchMs + ",\"heapUsedMB\":" + (rt.totalMemory() - rt.freeMemory()) / 1048576.0 + "}");
      reader.close();
    } else {
      System.err.println("usage: LuceneBm25 analyze IN.tsv OUT.txt | run DOCS.tsv QUERIES.tsv OUT.trec K K1 B [PASSES] | lengthtable");
      System.exit(2);
    }
  }
}
