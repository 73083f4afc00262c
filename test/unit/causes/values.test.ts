// The rules that need the project index, on recorded runs: constant and random unique values,
// Sequence counters that restart against a kept database, session state shared across tests.
import * as assert from "node:assert/strict";
import type { Diagnosis } from "../../../src/core/causes";
import { sequenceCouldMake } from "../../../src/core/causes/valueOrigin";
import { diagnoseRecorded, diagnoseRecordedWithIndex, STACK_NAMES } from "./recorded";

function kinds(d: Diagnosis | undefined): string[] {
  return (d?.causes ?? []).map((c) => `${c.kind} ${c.file}:${c.line} ${c.symbol}`);
}

describe("cause engine with the project index", function () {
  this.timeout(60_000);
  for (const stack of STACK_NAMES) {
    describe(stack, () => {
      it("unique_values: a factory constant, a literal that repeats its fixture's, a random pick; nothing without the index", async () => {
        const d = await diagnoseRecordedWithIndex("unique_values", stack);
        assert.deepEqual(kinds(d.get("tests/test_values.py::test_two_teams")), ["constant-unique-value factories.py:28 TeamFactory.name"]);
        assert.deepEqual(kinds(d.get("tests/test_values.py::test_second_admin")), [
          'constant-unique-value tests/test_values.py:16 UserFactory(email="admin@example.com")',
          'constant-unique-value conftest.py:66 UserFactory(email="admin@example.com")',
        ]);
        const tags = d.get("tests/test_values.py::test_tag_cloud");
        assert.deepEqual(kinds(tags), ["random-unique-value factories.py:37 TagFactory.label"]);
        assert.match(tags?.causes[0]?.evidence ?? "", /FuzzyChoice.*drew "(red|green|blue)" twice: TagFactory inserted it earlier in this test \(tests\/test_values\.py:21\)/);
        assert.deepEqual(tags?.causes[0]?.fixes, ["sequence-unique-value"]);
        const badges = d.get("tests/test_values.py::test_badges");
        assert.deepEqual(kinds(badges), ["random-unique-value factories.py:45 BadgeFactory.code"]);
        assert.match(badges?.causes[0]?.evidence ?? "", /factory\.Faker\("random_element", .*\), a random value for the unique badges\.code; it drew "(gold|silver)" twice/);
        // the passing tests, and the same run without an index: no cause at all
        assert.equal(d.size, 4);
        for (const x of diagnoseRecorded("unique_values", stack).values()) assert.deepEqual(x.causes, []);
      });

      it("create_override: run 2's Sequence collisions are sequence-reset, the literal admin email is the committing _create", async () => {
        assert.equal((await diagnoseRecordedWithIndex("create_override", stack, 0)).size, 0);
        const d = await diagnoseRecordedWithIndex("create_override", stack, 1);
        for (const victim of ["tests/test_users.py::test_first_user_gets_sequence_email", "tests/test_users.py::test_two_users_have_distinct_emails"]) {
          const c = d.get(victim)?.causes ?? [];
          assert.deepEqual(c.map((x) => `${x.kind} ${x.file}:${x.line}`).slice(0, 3), ["sequence-reset factories.py:45", "factory-commits factories.py:25", "persistent-database conftest.py:8"]);
          assert.match(c[0]?.evidence ?? "", /UserFactory\.email \(factories\.py:45\) is a factory\.Sequence: its counter starts again at 0 every run, but the file dev\.db kept the users row with email = "user\d@example\.com"/);
        }
        assert.equal(d.get("tests/test_users.py::test_admin_user")?.causes[0]?.kind, "factory-commits");
        assert.ok(!d.get("tests/test_users.py::test_admin_user")?.causes.some((c) => c.kind === "sequence-reset"));
      });

      it("commit_factory: the mechanism stays first; the constant email comes next", async () => {
        const d = await diagnoseRecordedWithIndex("commit_factory", stack);
        assert.deepEqual(kinds(d.get("tests/test_profile.py::test_rename_user")).slice(0, 2), ["factory-commits factories.py:12 UserFactory", "constant-unique-value factories.py:22 UserFactory.email"]);
      });

      it("shared_session: the module-level session carries pending rows; the follow-on names its root", async () => {
        const d = await diagnoseRecordedWithIndex("shared_session", stack);
        for (const victim of ["tests/test_users.py::test_users_start_empty", "tests/test_users.py::test_alice_signs_up_again"]) {
          const c = d.get(victim)?.causes[0];
          assert.equal(`${c?.kind} ${c?.file}:${c?.line} ${c?.symbol}`, "shared-session-state db.py:9 db.Session");
          assert.match(c?.evidence ?? "", /UserFactory saves through db\.Session .*tests\/test_users\.py::test_create_alice flushed \(never committed\)/);
        }
        assert.equal(d.get("tests/test_users.py::test_rename_user")?.rootOf, "tests/test_users.py::test_alice_signs_up_again");
        // without the index the engine still names the polluter, never a session it cannot see
        const bare = diagnoseRecorded("shared_session", stack).get("tests/test_users.py::test_users_start_empty");
        assert.deepEqual(bare?.causes.map((c) => c.kind), ["polluter-test"]);
      });

      it("session_scoped_session: the session-scoped db fixture", async () => {
        const d = await diagnoseRecordedWithIndex("session_scoped_session", stack);
        for (const victim of ["tests/test_users.py::test_no_users_yet", "tests/test_users.py::test_two_users"]) {
          assert.equal(kinds(d.get(victim))[0], "wide-fixture-scope conftest.py:20 db");
        }
      });

      it("clean and savepoint_commit: the index adds no cause to an isolated suite, and leaves the savepoint verdict first", async () => {
        for (const run of [0, 1]) assert.equal((await diagnoseRecordedWithIndex("clean", stack, run)).size, 0);
        const d = await diagnoseRecordedWithIndex("savepoint_commit", stack);
        assert.equal(kinds(d.get("tests/test_naive_savepoint.py::test_carol_again"))[0], "fixture-no-isolation conftest.py:34 engine");
      });
    });
  }

  it("a Sequence's format decides which values it can make", () => {
    assert.equal(sequenceCouldMake('factory.Sequence(lambda n: "user%d@example.com" % n)', "user12@example.com"), true);
    assert.equal(sequenceCouldMake('factory.Sequence(lambda n: "user%d@example.com" % n)', "admin@example.com"), false);
    assert.equal(sequenceCouldMake("factory.Sequence(lambda n: f'team-{n}')", "team-3"), true);
    assert.equal(sequenceCouldMake("factory.Sequence(lambda n: f'team-{n}')", "platform"), false);
    assert.equal(sequenceCouldMake("factory.Sequence(lambda n: n)", 4), true);
  });
});
