"""The local mirror: tables, queries, migrations, DSLP rules and the outbox. No UI, no network."""
