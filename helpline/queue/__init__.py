"""Redis-backed records: callback requests, conversation state, outbound texts, opt-outs,
dedupe, floods, daily counts."""
