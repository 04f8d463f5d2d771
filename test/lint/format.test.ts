// Output formats: text code frames and colours, JSON, and SARIF 2.1.0 with the properties
// GitHub code scanning requires.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatJson } from "../../src/lint/format/json.ts";
import { formatSarif, SARIF_SCHEMA } from "../../src/lint/format/sarif.ts";
import { formatText } from "../../src/lint/format/text.ts";
import { lintRelease, RULES } from "../../src/lint/index.ts";
import { fixture } from "./support.ts";

const ESC = "\u001b[";

const result = await lintRelease(fixture("rules", "boot-config-write", "fire"));

describe("lint text format", () => {
  it("prints location, severity, message, rule and a caret under the column", () => {
    const text = formatText(result.findings, {
      color: false,
      prefix: "",
      files: result.model.files,
    });
    assert.ok(!text.includes(ESC));
    const lines = text.split("\n");
    const head = lines.findIndex((l) => l.startsWith("start.sh:2:30  error  "));
    assert.ok(head >= 0, text);
    assert.match(lines[head] ?? "", /\[boot-config-write\]$/);
    // previous line, the offending line, then the caret row
    const code = lines[head + 2] ?? "";
    const caret = lines[head + 3] ?? "";
    assert.match(code, /^ {2}2 \| echo "dtparam=i2c_arm=on" >> \/mnt\/boot\/config\.txt$/);
    const bar = code.indexOf("| ") + 2;
    assert.equal(caret.indexOf("^"), bar + 29);
    assert.match(caret, /\^{20}$/);
    assert.match(text, /4 findings: 4 error\(s\), 0 warning\(s\), 0 info\n$/);
  });

  it("colours only when asked", () => {
    const text = formatText(result.findings, {
      color: true,
      prefix: "",
      files: result.model.files,
    });
    assert.ok(text.includes(`${ESC}31merror${ESC}0m`));
  });

  it("says so when there is nothing to report", () => {
    assert.equal(formatText([], { color: false, prefix: "", files: new Map() }), "no findings\n");
  });
});

describe("lint json format", () => {
  it("lists findings with positions, docs and a summary", () => {
    const report = JSON.parse(formatJson(result.findings, { prefix: "rel/" }));
    assert.equal(report.version, 1);
    assert.deepEqual(report.summary, { error: 4, warning: 0, info: 0 });
    assert.deepEqual(report.findings[0], {
      ruleId: "boot-config-write",
      severity: "error",
      message: report.findings[0].message,
      file: "rel/start.sh",
      line: 2,
      column: 30,
      endLine: 2,
      endColumn: 50,
      docs: "docs/rules/boot-config-write.md",
    });
  });
});

describe("lint sarif format", () => {
  it("is SARIF 2.1.0 with the properties code scanning requires", async () => {
    const all = await lintRelease(fixture("release-bad"));
    const sarif = JSON.parse(
      formatSarif(all.findings, RULES, { prefix: "device/", version: "0.1.0" }),
    );
    assert.equal(sarif.version, "2.1.0");
    assert.equal(sarif.$schema, SARIF_SCHEMA);
    assert.equal(sarif.runs.length, 1);
    const run = sarif.runs[0];
    assert.equal(run.tool.driver.name, "edgevisor-lint");
    const ruleIds = run.tool.driver.rules.map((r: { id: string }) => r.id);
    for (const r of RULES) assert.ok(ruleIds.includes(r.id), r.id);
    for (const r of run.tool.driver.rules) {
      assert.equal(typeof r.shortDescription.text, "string");
      assert.equal(typeof r.fullDescription.text, "string");
      assert.ok(["error", "warning", "note"].includes(r.defaultConfiguration.level));
    }
    assert.equal(run.results.length, all.findings.length);
    for (const res of run.results) {
      assert.ok(ruleIds.includes(res.ruleId));
      assert.equal(run.tool.driver.rules[res.ruleIndex].id, res.ruleId);
      assert.ok(["error", "warning", "note"].includes(res.level));
      assert.ok(res.message.text.length > 0);
      assert.equal(res.locations.length, 1);
      const loc = res.locations[0].physicalLocation;
      assert.match(loc.artifactLocation.uri, /^device\//);
      assert.ok(Number.isInteger(loc.region.startLine) && loc.region.startLine >= 1);
      assert.ok(Number.isInteger(loc.region.startColumn) && loc.region.startColumn >= 1);
    }
    const info = run.results.find((r: { ruleId: string }) => r.ruleId === "missing-mem-limit");
    assert.equal(info.level, "warning");
  });

  it("gives a release outside the working directory absolute file: URIs", () => {
    const sarif = JSON.parse(
      formatSarif(result.findings, RULES, { prefix: "/srv/releases/a/", version: "0.1.0" }),
    );
    const art = sarif.runs[0].results[0].locations[0].physicalLocation.artifactLocation;
    assert.deepEqual(art, { uri: "file:///srv/releases/a/start.sh" });
  });

  it("maps info to the SARIF level note", () => {
    const sarif = JSON.parse(
      formatSarif(
        [
          {
            ruleId: "core-dumps",
            severity: "info",
            message: "m",
            loc: { file: "a b.sh", line: 1, column: 1 },
          },
        ],
        RULES,
        {
          prefix: "",
          version: "0.1.0",
        },
      ),
    );
    assert.equal(sarif.runs[0].results[0].level, "note");
    assert.equal(
      sarif.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri,
      "a%20b.sh",
    );
  });
});
