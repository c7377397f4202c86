// Envoy's tag extraction (source/common/stats/tag_extractor_impl.cc, tag_producer_impl.cc): every
// extractor looks at the *original* stat name; each match adds a tag and a character range to cut;
// the tag-extracted name is the original with the union of those ranges removed. Extractors are
// registered as Envoy does (its defaults unless stats_config.use_all_default_tags is false, then
// stats_config.stats_tags) and run as TagProducerImpl runs them: first those without a prefix token,
// then those whose prefix token is the name's first token, each group in registration order. That
// order is the order of the tags, hence of the Prometheus labels.
import type { StatsTagSpec } from "../contracts.ts";

export interface TagMatch { value: string; start: number; end: number }

export interface TagExtractor {
  readonly tagName: string;
  /** The first token every matching name must have ("" when any), Envoy's prefixToken(). */
  readonly prefix: string;
  match(name: string): TagMatch | undefined;
}

/** Envoy's extractRegexPrefix: a regex starting "^word" then an escaped dot, "(?=" dot ")" or a final "$" gives "word". */
export function regexPrefix(source: string): string {
  const m = /^\^([A-Za-z0-9_]+)(\\\.|\(\?=\\\.\)|\$$)/.exec(source);
  return m === null ? "" : m[1];
}

/**
 * A regex extractor: group 1 is cut from the name; group 2 (or group 1 when there is none) is the
 * value. `negativeValue`: a value that means "no tag" (Envoy skips listener "admin").
 */
export function regexExtractor(tagName: string, source: string, negativeValue = ""): TagExtractor {
  const regex = new RegExp(source, "d");
  return {
    tagName,
    prefix: regexPrefix(source),
    match(name) {
      const m = regex.exec(name);
      if (m === null || m[1] === undefined || m.indices === undefined) return undefined;
      const value = m[2] ?? m[1];
      if (negativeValue !== "" && value === negativeValue) return undefined;
      const [start, end] = m.indices[1]!;
      return { value, start, end };
    },
  };
}

/**
 * Envoy's tokenized extractor for patterns of literal tokens, one `$` (the value) and a trailing
 * `**` (any number of tokens), e.g. "cluster.$.**". The value's token is cut with the dot after it,
 * or with the dot before it when it is the last token.
 */
export function tokenExtractor(tagName: string, pattern: string): TagExtractor {
  const tokens = pattern.split(".");
  const at = tokens.indexOf("$");
  if (at < 0 || tokens.at(-1) !== "**" || tokens.slice(0, -1).some((t, i) => i !== at && (t === "*" || t === "**"))) {
    throw new Error(`tokenExtractor: unsupported pattern ${pattern}`);
  }
  const fixed = tokens.length - 1; // tokens before "**"
  return {
    tagName,
    prefix: at === 0 ? "" : tokens[0],
    match(name) {
      const parts = name.split(".");
      if (parts.length < fixed) return undefined;
      for (let i = 0; i < fixed; i++) if (i !== at && parts[i] !== tokens[i]) return undefined;
      let start = 0;
      for (let i = 0; i < at; i++) start += parts[i].length + 1;
      const value = parts[at];
      let end = start + value.length;
      if (at < parts.length - 1) end++;
      else if (start > 0) start--;
      return { value, start, end };
    },
  };
}

// expandRegex's pieces in well_known_names.cc.
const ADDRESS = String.raw`(?:(?:\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[[a-fA-F_\d]+\])_\d+)`;
const TAG_VALUE = String.raw`[^\.]+`;

/**
 * The defaults of Envoy's TagNameValues (source/common/config/well_known_names.cc) that can match a
 * name this host produces: its own listener./tcp./cluster./server./wasm. stats, and wasmcustom.*
 * module stats (only the unanchored or first-token-free patterns can match those). The others are
 * anchored to prefixes the host never emits (http., mongo., vhost., ...). Envoy's order.
 */
export function defaultTagExtractors(): TagExtractor[] {
  return [
    regexExtractor("envoy.response_code", String.raw`_rq(_(\d{3}))$`),
    regexExtractor("envoy.response_code_class", String.raw`_rq_((\d))xx$`),
    tokenExtractor("envoy.tcp_prefix", "tcp.$.**"),
    tokenExtractor("envoy.cluster_name", "cluster.$.**"),
    regexExtractor("envoy.worker_id",
      String.raw`^(?:listener\.(?:${ADDRESS}|${TAG_VALUE})\.|server\.|listener_manager\.)worker_((\d+)\.)`),
    regexExtractor("envoy.listener_address", String.raw`^listener\.((${ADDRESS}|${TAG_VALUE})\.)`, "admin"),
    tokenExtractor("envoy.local_http_ratelimit_prefix", "$.http_local_rate_limit.**"),
  ];
}

/** stats_config: the defaults unless use_all_default_tags is false, then stats_tags in order. */
export function compileTagExtractors(tags: readonly StatsTagSpec[], useAllDefaultTags: boolean): TagExtractor[] {
  const custom = tags.map((t, i) => {
    try {
      return regexExtractor(t.tagName, t.regex);
    } catch (err) {
      throw new Error(`stats_config.stats_tags[${i}].regex: invalid regex: ${(err as Error).message}`);
    }
  });
  return useAllDefaultTags ? [...defaultTagExtractors(), ...custom] : custom;
}

export interface ExtractedName { name: string; tags: [string, string][] }

/** Envoy's TagProducerImpl::produceTags. */
export function extractTags(fullName: string, extractors: readonly TagExtractor[]): ExtractedName {
  const tags: [string, string][] = [];
  const cuts: [number, number][] = [];
  const dot = fullName.indexOf(".");
  const first = dot < 0 ? undefined : fullName.slice(0, dot);
  const ordered = [...extractors.filter((x) => x.prefix === ""), ...extractors.filter((x) => x.prefix !== "" && x.prefix === first)];
  for (const x of ordered) {
    const m = x.match(fullName);
    if (m === undefined) continue;
    tags.push([x.tagName, m.value]);
    if (m.end > m.start) cuts.push([m.start, m.end]);
  }
  if (cuts.length === 0) return { name: fullName, tags };
  cuts.sort((a, b) => a[0] - b[0]);
  let name = "";
  let pos = 0;
  for (const [start, end] of cuts) {
    if (start > pos) name += fullName.slice(pos, start);
    pos = Math.max(pos, end);
  }
  return { name: name + fullName.slice(pos), tags };
}
