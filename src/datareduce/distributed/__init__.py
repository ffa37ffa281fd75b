"""Reduce data larger than one machine's memory with dask (the ``dask`` extra).

The data stays split into row blocks (a dask array, or the partitions of Parquet files read
with ``dask.dataframe``); each block is reduced where it lives (on the threads of the local
scheduler, or on the workers of a ``dask.distributed`` cluster), and only the kept rows travel
back. Quotas are exact:

1. Class counts are computed per block (one cheap pass).
2. Each class gets its global quota (largest remainder, exactly as in memory), split over the
   blocks in proportion to the class's rows in each block (largest remainder again), so the
   total and every class's count are exactly what an in-memory fit would keep.
3. Stage one: every block runs the reducer on each of its classes with that class's quota
   (times ``oversample``). When the block's quotas are the ones the reducer would choose on
   the block itself, the block gets one ordinary stratified fit (one block = in memory).
4. Stage two (``oversample > 1``): the union of the stage-one picks, ``oversample`` times the
   final size, is reduced again in one task to the exact quota. This is the composable-coreset
   scheme: every row lies within the stage-one cover radius of the union and every union row
   within the stage-two radius of the final set, so the final epsilon is at most their sum
   (measured with ``radius_metric``).

Methods whose definition spans classes (selection "global", e.g. NRMD's label-augmented
ranking or DES's prototypes) and non-stratifying reducers run per block on all of the block's
rows with the block's quota instead; their class counts then follow the method, as in memory.

Exact per-class stratified random sampling of a dask DataFrame in one pass over the data:
:func:`stratified_sample` (random keys fixed by the seed and the partitioning; see its
module).

Epsilon over blocks is exact: :func:`epsilon_blocks` takes the maximum of the per-block
directed Hausdorff distances to an in-memory reduced set.
"""

from ._blocks import BlockReduction, epsilon_blocks, reduce_blocks
from ._cluster import use_scheduler, worker_peak_memory
from ._parquet import ParquetBlocks, ParquetReduction, read_parquet_blocks, reduce_parquet
from ._stratified import stratified_sample

__all__ = [
    "BlockReduction",
    "ParquetBlocks",
    "ParquetReduction",
    "epsilon_blocks",
    "read_parquet_blocks",
    "reduce_blocks",
    "reduce_parquet",
    "stratified_sample",
    "use_scheduler",
    "worker_peak_memory",
]
