"""Citation statistics (table ``citation_stats``) computed by SQL over the stored citation table.

The same numbers as ``kb.pipeline.citegraph.article_stats`` on the whole networkx graph, without
loading the graph: degrees and sums are GROUP BY aggregates over the distinct non-self links, and
the distinct co-citation / coupling partners use the same trick as ``citegraph._partners`` (the
largest hub's neighbours are counted whole, only the other hubs are scanned), so a seed cited by
n articles costs n rows, not n squared. The rows are written a page at a time (bounded memory);
the SQL runs unchanged on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete, insert, text

from kb.sinks.sql import db

#: Temporary tables, dropped before and after: each holds at most one row per link or article.
_TEMP = (
    "kb_tmp_edge",
    "kb_tmp_node",
    "kb_tmp_sums",
    "kb_tmp_hub_ref",
    "kb_tmp_hub_citer",
    "kb_tmp_coupled",
    "kb_tmp_co",
)

_PREPARE = (
    # distinct citing -> cited pairs; a self-link says nothing about reach (citegraph drops it too)
    "CREATE TEMPORARY TABLE kb_tmp_edge (citing VARCHAR NOT NULL, cited VARCHAR NOT NULL)",
    "INSERT INTO kb_tmp_edge SELECT DISTINCT citing, cited FROM citation WHERE citing <> cited",
    "CREATE UNIQUE INDEX kb_tmp_edge_out ON kb_tmp_edge (citing, cited)",
    "CREATE INDEX kb_tmp_edge_in ON kb_tmp_edge (cited, citing)",
    # every article, and every PMID at either end of a link, with its in- and out-degree
    "CREATE TEMPORARY TABLE kb_tmp_node (pmid VARCHAR PRIMARY KEY, indeg BIGINT, outdeg BIGINT)",
    """INSERT INTO kb_tmp_node
       SELECT n.pmid, COALESCE(i.c, 0), COALESCE(o.c, 0)
       FROM (SELECT pmid FROM article UNION SELECT citing FROM kb_tmp_edge
             UNION SELECT cited FROM kb_tmp_edge) AS n
       LEFT JOIN (SELECT cited AS pmid, COUNT(*) AS c FROM kb_tmp_edge GROUP BY cited) AS i
         ON i.pmid = n.pmid
       LEFT JOIN (SELECT citing AS pmid, COUNT(*) AS c FROM kb_tmp_edge GROUP BY citing) AS o
         ON o.pmid = n.pmid""",
    # planner statistics: PostgreSQL has none for a new temporary table and then picks nested loops
    "ANALYZE kb_tmp_edge",
    "ANALYZE kb_tmp_node",
    # summed co-citation and coupling counts: each citer counts its other references, and so on
    "CREATE TEMPORARY TABLE kb_tmp_sums (pmid VARCHAR PRIMARY KEY, co_n BIGINT, cp_n BIGINT)",
    """INSERT INTO kb_tmp_sums
       SELECT n.pmid, COALESCE(co.s, 0), COALESCE(cp.s, 0)
       FROM kb_tmp_node n
       LEFT JOIN (SELECT e.cited AS pmid, SUM(d.outdeg - 1) AS s FROM kb_tmp_edge e
                  JOIN kb_tmp_node d ON d.pmid = e.citing GROUP BY e.cited) AS co ON co.pmid = n.pmid
       LEFT JOIN (SELECT e.citing AS pmid, SUM(d.indeg - 1) AS s FROM kb_tmp_edge e
                  JOIN kb_tmp_node d ON d.pmid = e.cited GROUP BY e.citing) AS cp ON cp.pmid = n.pmid""",
    # per article: its most cited reference, and its citer citing the most (the "largest hubs")
    "CREATE TEMPORARY TABLE kb_tmp_hub_ref (pmid VARCHAR PRIMARY KEY, hub VARCHAR NOT NULL)",
    """INSERT INTO kb_tmp_hub_ref
       SELECT pmid, hub FROM (
         SELECT e.citing AS pmid, e.cited AS hub,
                ROW_NUMBER() OVER (PARTITION BY e.citing ORDER BY d.indeg DESC, e.cited) AS rk
         FROM kb_tmp_edge e JOIN kb_tmp_node d ON d.pmid = e.cited) AS t
       WHERE rk = 1""",
    "CREATE TEMPORARY TABLE kb_tmp_hub_citer (pmid VARCHAR PRIMARY KEY, hub VARCHAR NOT NULL)",
    """INSERT INTO kb_tmp_hub_citer
       SELECT pmid, hub FROM (
         SELECT e.cited AS pmid, e.citing AS hub,
                ROW_NUMBER() OVER (PARTITION BY e.cited ORDER BY d.outdeg DESC, e.citing) AS rk
         FROM kb_tmp_edge e JOIN kb_tmp_node d ON d.pmid = e.citing) AS t
       WHERE rk = 1""",
    # coupling partners not already citing the largest reference (which every partner through
    # it does): scanned only through the other references
    "CREATE TEMPORARY TABLE kb_tmp_coupled (pmid VARCHAR PRIMARY KEY, extra BIGINT NOT NULL)",
    """INSERT INTO kb_tmp_coupled
       SELECT h.pmid, COUNT(DISTINCT x.citing)
       FROM kb_tmp_hub_ref h
       JOIN kb_tmp_edge r ON r.citing = h.pmid AND r.cited <> h.hub
       JOIN kb_tmp_edge x ON x.cited = r.cited
       WHERE NOT EXISTS (SELECT 1 FROM kb_tmp_edge y WHERE y.citing = x.citing AND y.cited = h.hub)
       GROUP BY h.pmid""",
    # co-cited partners not already cited by the largest citer, likewise
    "CREATE TEMPORARY TABLE kb_tmp_co (pmid VARCHAR PRIMARY KEY, extra BIGINT NOT NULL)",
    """INSERT INTO kb_tmp_co
       SELECT h.pmid, COUNT(DISTINCT x.cited)
       FROM kb_tmp_hub_citer h
       JOIN kb_tmp_edge c ON c.cited = h.pmid AND c.citing <> h.hub
       JOIN kb_tmp_edge x ON x.citing = c.citing
       WHERE NOT EXISTS (SELECT 1 FROM kb_tmp_edge y WHERE y.citing = h.hub AND y.cited = x.cited)
       GROUP BY h.pmid""",
)

#: One page of counts, in pmid order from ``:after`` on (keyset pagination: bounded memory).
_PAGE = text(
    """SELECT n.pmid, a.pmid IS NOT NULL, n.indeg, a.cited_by_count, n.outdeg,
              CASE WHEN hc.pmid IS NULL THEN 0 ELSE hd.outdeg - 1 + COALESCE(co.extra, 0) END,
              s.co_n,
              CASE WHEN hr.pmid IS NULL THEN 0 ELSE rd.indeg - 1 + COALESCE(cp.extra, 0) END,
              s.cp_n
       FROM kb_tmp_node n
       JOIN kb_tmp_sums s ON s.pmid = n.pmid
       LEFT JOIN article a ON a.pmid = n.pmid
       LEFT JOIN kb_tmp_hub_citer hc ON hc.pmid = n.pmid
       LEFT JOIN kb_tmp_node hd ON hd.pmid = hc.hub
       LEFT JOIN kb_tmp_co co ON co.pmid = n.pmid
       LEFT JOIN kb_tmp_hub_ref hr ON hr.pmid = n.pmid
       LEFT JOIN kb_tmp_node rd ON rd.pmid = hr.hub
       LEFT JOIN kb_tmp_coupled cp ON cp.pmid = n.pmid
       WHERE n.pmid > :after
       ORDER BY n.pmid
       LIMIT :size"""
)

#: Publication years of the citing articles of the PMIDs in one page (NULL: year unknown).
_YEARS = text(
    """SELECT e.cited, a.year, COUNT(*)
       FROM kb_tmp_edge e LEFT JOIN article a ON a.pmid = e.citing
       WHERE e.cited > :after AND e.cited <= :last
       GROUP BY e.cited, a.year"""
)


def _drop_temp(conn: Connection) -> None:
    for name in _TEMP:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")


def _years(conn: Connection, after: str, last: str) -> dict[str, dict[int | None, int]]:
    out: dict[str, dict[int | None, int]] = defaultdict(dict)
    for pmid, year, n in conn.execute(_YEARS, {"after": after, "last": last}):
        out[pmid][year] = int(n)
    return out


def _stats_row(values: Sequence[Any], years: dict[int | None, int]) -> dict[str, Any]:
    pmid, in_kb, cited_by, reported, cites, co_with, co_n, cp_with, cp_n = values
    unknown = years.pop(None, 0)
    # PostgreSQL's SUM of integers is NUMERIC (a Decimal here); SQLite's IS NOT NULL is 0/1
    return {
        "pmid": pmid,
        "in_kb": bool(in_kb),
        "cited_by": int(cited_by),
        "reported": reported,
        "cites": int(cites),
        "citing_years": {str(y): years[y] for y in sorted(y for y in years if y is not None)},
        "citing_year_unknown": unknown,
        "co_cited_with": int(co_with),
        "co_citations": int(co_n),
        "coupled_with": int(cp_with),
        "couplings": int(cp_n),
    }


def write_citation_stats(conn: Connection, page: int = 5000) -> int:
    """Replace the rows of ``citation_stats`` with counts from the stored links; returns the count."""
    _drop_temp(conn)
    for statement in _PREPARE:
        conn.exec_driver_sql(statement)
    stats = db.table("citation_stats")
    conn.execute(delete(stats))
    written, after = 0, ""
    while True:
        rows = conn.execute(_PAGE, {"after": after, "size": page}).all()
        if not rows:
            break
        last = rows[-1][0]
        years = _years(conn, after, last)
        conn.execute(insert(stats), [_stats_row(r, years.get(r[0], {})) for r in rows])
        written += len(rows)
        after = last
    _drop_temp(conn)
    return written
