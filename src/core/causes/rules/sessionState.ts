// Rows nobody committed that still reached a later test: one session lived across tests and
// carried them. Either module-level state (a factory's Meta session created at import time) or a
// fixture wider than a test that holds the session. Needs the project index.
import { valueText } from "../../index/facts";
import type { Cause } from "../model";
import { type RunFacts } from "../facts";
import { factoryInfo, indexFile } from "../statics";
import type { RowWriter } from "./writer";

export function sessionStateCauses(facts: RunFacts, w: RowWriter, rank: number): Cause[] {
  const index = facts.project?.index;
  if (!index || w.committed) return [];
  const factory = factoryInfo(facts, w.by);
  const meta = factory?.meta.sqlalchemy_session;
  const target = meta ? index.resolveValue(meta.value, meta.file) : undefined;
  if (factory && meta && target?.kind === "var" && target.v.value.k === "call" && /session/i.test(valueText(target.v.value.fn))) {
    const file = indexFile(facts, target.file.path);
    return [{
      kind: "shared-session-state",
      file,
      line: target.v.line + 1,
      symbol: target.qname,
      evidence: `${factory.name} saves through ${target.qname} (${file}:${target.v.line + 1}), one session created at import time that lives for the whole run; nothing rolls it back between tests, so the ${w.what} that ${w.nodeid} flushed (never committed) was still pending in it for later tests.`,
      fixes: ["reset-shared-session", "transactional-fixture"],
      rank,
    }];
  }
  const links = index.testLinks(w.nodeid);
  const wide = links?.fixtures.find((l) => l.fixture && l.fixture.scope !== "function" && l.fixture.sessions.length > 0)?.fixture;
  if (!wide) return [];
  const file = indexFile(facts, wide.file);
  return [{
    kind: "wide-fixture-scope",
    file,
    line: wide.defLine + 1,
    symbol: wide.name,
    evidence: `The ${wide.scope}-scoped fixture ${wide.name} (${file}:${wide.defLine + 1}) holds one session for many tests; the ${w.what} that ${w.nodeid} flushed (never committed) stayed pending in it for the tests after.`,
    fixes: ["transactional-fixture"],
    rank: rank - 5,
  }];
}
