"""Reading past summaries: files, decoding, cleaning, headings, metadata, admission, passages, the ingest run."""
