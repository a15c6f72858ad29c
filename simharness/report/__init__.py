"""Reports: what a suite proved, as report.json, summary.md, junit.xml and report.html, plus shard merging.

Modules, bottom to top (each imports only those above it in this list):

- `safe_text`  any string from the code under test made safe for pages, terminals and file names
- `status`     an invariant's status and the headline: no vacuous pass
- `narrate`    a counterexample's trace in words, and the event it violates at
- `document`   report.json: built from a suite, completed by `finalize`; every report renders from it alone
- `markdown`, `junit`, `html`   the renderers of a document (summary.md, junit.xml, report.html)
- `write`      writes all four files of a document atomically and prunes stale counterexample schedules
- `merge`      combines documents (shards, CLI scenarios, pytest items) into one
- `matrix`     one suite across several targets: matrix.json, matrix.md, the index report.html, findings
- `progress`   the terminal progress bar of a long run
"""
