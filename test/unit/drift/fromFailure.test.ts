// Runtime failures of the drift projects (saved pytest output: drift_legacy on SQLAlchemy 1.4,
// drift_modern on 2.0) mapped to the static finding at the factory or test line.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { driftCauses, DRIFT_CAUSE_RANK } from "../../../src/core/drift";
import { failuresFromText } from "../../../src/core/failures/read";
import type { Failure } from "../../../src/core/failures/model";
import { indexWorkspace, ProjectIndex } from "../../../src/core/index";
import { fixturePath, repoRoot } from "../../util";
import { USER_FACTORIES, USER_MODELS } from "./userProject";

const EXPECTED: Record<string, Record<string, string>> = {
  drift_legacy: {
    "tests/test_billing.py::test_invoice_has_a_number": "missing-required-field factories.py:25 InvoiceFactory",
    "tests/test_billing.py::test_payment_for_an_invoice": "dangling-foreign-key factories.py:37 PaymentFactory",
    "tests/test_claims.py::test_policy_holder": "unknown-model-field factories.py:45 PolicyFactory",
    "tests/test_claims.py::test_claim_on_a_policy": "dangling-foreign-key factories.py:48 ClaimFactory",
    "tests/test_customers.py::test_customer_contact": "unknown-model-field tests/test_customers.py:25 tests/test_customers.py::test_customer_contact",
    "tests/test_customers.py::test_ticket_under_review": "unknown-enum-member tests/test_customers.py:31 tests/test_customers.py::test_ticket_under_review",
  },
  drift_modern: {
    "tests/test_depots.py::test_depot_has_a_code": "missing-required-field factories.py:14 DepotFactory",
    "tests/test_depots.py::test_depot_by_hand": "unknown-model-field tests/test_depots.py:11 tests/test_depots.py::test_depot_by_hand",
    "tests/test_depots.py::test_scan_at_a_depot": "dangling-foreign-key factories.py:43 ScanFactory",
    "tests/test_shipping.py::test_shipment_tracking": "unknown-model-field factories.py:28 ShipmentFactory",
    "tests/test_shipping.py::test_parcel_in_a_shipment": "dangling-foreign-key factories.py:32 ParcelFactory",
    "tests/test_shipping.py::test_cargo_courier": "unknown-enum-member tests/test_shipping.py:31 tests/test_shipping.py::test_cargo_courier",
  },
};

const SAMPLES = { drift_legacy: "drift_legacy-1.4.txt", drift_modern: "drift_modern-2.0.txt" } as const;

function sampleFailures(sample: string): ReturnType<typeof failuresFromText> {
  return failuresFromText(fs.readFileSync(path.join(repoRoot(), "test", "unit", "failures", "samples", sample), "utf8"));
}

describe("drift: runtime failures mapped to the static finding", () => {
  for (const [project, sample] of Object.entries(SAMPLES)) {
    it(`${project}: every failure's first cause is its planted drift, at the factory or test line`, async () => {
      const idx = await indexWorkspace(fixturePath("projects", project), { workers: 0 });
      const failures = sampleFailures(sample);
      const got = Object.fromEntries(
        failures.map((f) => {
          const causes = driftCauses(idx, f);
          assert.equal(causes.length, 1, `${f.nodeid}: ${JSON.stringify(causes)}`);
          const c = causes[0];
          assert.equal(c?.rank, DRIFT_CAUSE_RANK);
          return [f.nodeid, `${c?.kind} ${c?.file}:${c?.line} ${c?.symbol}`];
        }),
      );
      assert.deepEqual(got, EXPECTED[project]);
    });
  }

  it("names nothing for a failure the test's own code does not explain", async () => {
    const idx = await indexWorkspace(fixturePath("projects", "drift_legacy"), { workers: 0 });
    const failures = sampleFailures(SAMPLES.drift_legacy);
    const holder = failures.find((f) => f.nodeid === "tests/test_claims.py::test_policy_holder");
    assert.ok(holder);
    // the same TypeError in a test that never calls PolicyFactory
    assert.deepEqual(driftCauses(idx, { ...holder, nodeid: "tests/test_customers.py::test_adjuster_is_an_employee" }), []);
    assert.deepEqual(driftCauses(idx, { ...holder, chain: [{ type: "TypeError", message: "unsupported operand type(s)" }] }), []);
    assert.deepEqual(driftCauses(idx, { ...holder, nodeid: "tests/test_nowhere.py::test_x" }), []);
  });

  it("sees an edit to a file it checked before (findings are kept per file until its facts change)", async () => {
    const dir = fixturePath("projects", "drift_legacy");
    const idx = await indexWorkspace(dir, { workers: 0 });
    const failures = sampleFailures(SAMPLES.drift_legacy);
    const contact = failures.find((f) => f.nodeid === "tests/test_customers.py::test_customer_contact");
    assert.ok(contact);
    const rel = "tests/test_customers.py";
    const text = fs.readFileSync(path.join(dir, rel), "utf8");
    const found = () => driftCauses(idx, contact).map((c) => `${c.kind} ${c.file}:${c.line}`);
    assert.deepEqual(found(), ["unknown-model-field tests/test_customers.py:25"]);
    await idx.updateFile(rel, text.replace('e_mail="ada@example.com"', 'email="ada@example.com"'));
    assert.deepEqual(found(), []);
    await idx.updateFile(rel, text);
    assert.deepEqual(found(), ["unknown-model-field tests/test_customers.py:25"]);
  });

  it("sees a factories module's edit patched in place, in the findings of a file that did not change", async () => {
    const idx = new ProjectIndex();
    await idx.updateFile("models.py", USER_MODELS);
    await idx.updateFile("factories.py", USER_FACTORIES);
    await idx.updateFile("tests/test_users.py", `from factories import UserFactory

def test_vip():
    UserFactory(vip=True)
`);
    const failure: Failure = {
      nodeid: "tests/test_users.py::test_vip",
      phase: "call",
      chain: [{ type: "TypeError", message: "'vip' is an invalid keyword argument for User" }],
      frames: [{ file: "tests/test_users.py", line: 3, function: "test_vip" }],
      source: "plugin",
    };
    const found = () => driftCauses(idx, failure).map((c) => `${c.kind} ${c.file}:${c.line}`);
    assert.deepEqual(found(), []); // Params.vip: the factory takes it
    await idx.updateFile("factories.py", USER_FACTORIES.replace("vip = False", "very_important = False"));
    assert.ok(idx.patchedFiles().includes("factories.py"), "the edit was patched in place");
    assert.deepEqual(found(), ["unknown-model-field tests/test_users.py:4"]);
  });
});
