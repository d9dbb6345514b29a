"""User interfaces of PolicyQA: the command line (cli), the web UI (web) and the
service object both the web UI and its HTTP API share (service)."""
