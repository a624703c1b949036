"""Evidence store: content-addressed blobs, resumable uploads, AV metadata and devices (R-2–R-4,
R-30, R-32–R-34)."""
