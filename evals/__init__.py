"""Quality measurements on labelled data (`make eval`): guardrails, intents, retrieval."""
