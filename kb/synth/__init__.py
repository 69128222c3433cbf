"""Evidence synthesis: effect sizes and pooled estimates from stored measurements (the scripts' API)."""

from kb.synth.pooling import (
    CSV_COLUMNS,
    Pooled,
    ProportionRow,
    logit_effect,
    pool,
    proportions,
    retracted_rows,
    retraction_note,
    write_csv,
)

__all__ = [
    "CSV_COLUMNS",
    "Pooled",
    "ProportionRow",
    "logit_effect",
    "pool",
    "proportions",
    "retracted_rows",
    "retraction_note",
    "write_csv",
]
