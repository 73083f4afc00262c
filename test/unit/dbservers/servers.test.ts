// The throwaway-server helpers themselves: clear errors when a binary is missing, one start per
// handle, and nothing left behind after stop.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { mariadbBinaries, postgresBinDir, serverHandle } from "./servers";

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

describe("dbservers: server helpers", function () {
  this.timeout(60_000);
  let empty = "";
  before(() => {
    empty = fs.mkdtempSync(path.join(os.tmpdir(), "otd-db-empty-"));
  });
  after(() => fs.rmSync(empty, { recursive: true, force: true }));

  it("a missing PostgreSQL names the Debian package to install", () => {
    assert.throws(() => postgresBinDir(path.join(empty, "nope"), [empty]), /Debian package "postgresql"/);
  });

  it("a missing MariaDB names the Debian package to install", () => {
    assert.throws(() => mariadbBinaries([empty]), /Debian package "mariadb-server"/);
  });

  it("the binaries CI installs are here (scripts/setup.sh)", () => {
    assert.match(postgresBinDir(), /bin$/);
    assert.ok(mariadbBinaries().server);
  });

  it("starts once however often asked; stop closes the port and removes the folder, twice safely", async () => {
    const h = serverHandle("postgresql");
    const [a, b] = await Promise.all([h.start(), h.start()]);
    assert.equal(a, b);
    assert.equal(h.get(), a);
    assert.ok(fs.existsSync(a.dir));
    assert.ok(await canConnect(a.port));
    assert.match(a.url("postgresql+psycopg2"), /^postgresql\+psycopg2:\/\/postgres@127\.0\.0\.1:\d+\/otd$/);
    await h.stop();
    await h.stop();
    await a.stop();
    assert.equal(fs.existsSync(a.dir), false);
    assert.equal(await canConnect(a.port), false);
    assert.throws(() => h.get(), /not started/);
  });
});
