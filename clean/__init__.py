"""Batch-clean scraped corpora: ``newssift clean INPUT... -o OUTPUT``.

    (inputs: newssift.classifier.inputs, shared with classify: JSONL, CSV, .txt -> Doc / BadRecord)
    work         the one cleaning function every engine runs on a chunk of documents
    writers      crash-safe, resumable output (JSONL, JSONL.gz, a folder of .txt) and the error report
    summary      counts that add up across chunks, workers and resumed runs
    progress     the tqdm bar (documents/s and MB/s)
    pipeline     reads, skips what is done, chunks, hands chunks to an engine, writes in order
    local        the multiprocessing engine (one model per worker process)
    dask_engine  the Dask engine (one output part per partition)
    cli          the click command

Nothing heavy is imported here: the model is loaded by the engine that needs it.
"""

from newssift.clean.options import CleanOptions

__all__ = ["CleanOptions"]
