/*
 * The store's schema as numbered migrations. To change the schema, add a row at the end with
 * the next version; never edit a migration that has shipped. mm_store_open applies the missing
 * ones in order, each in its own transaction, and records them in schema_migration.
 */
#include "store_int.h"

const struct mm_migration mm_migrations[] = {
    {1, "facility, vendors, answers with history, hash-chained audit trail",
     "CREATE TABLE meta(\n"
     "  key TEXT PRIMARY KEY,\n"
     "  value TEXT NOT NULL);\n"
     "CREATE TABLE facility(\n"
     "  id INTEGER PRIMARY KEY CHECK (id = 1),\n"
     "  name TEXT NOT NULL DEFAULT '',\n"
     "  kind TEXT NOT NULL DEFAULT 'hospital' CHECK (kind IN ('hospital','clinic','pharmacy')),\n"
     "  beds INTEGER CHECK (beds IS NULL OR beds >= 0),\n"
     "  prefecture TEXT NOT NULL DEFAULT '',\n"
     "  manager TEXT NOT NULL DEFAULT '',\n"
     "  updated_at TEXT);\n"
     "INSERT INTO facility(id) VALUES (1);\n"
     "CREATE TABLE vendor(\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  name TEXT NOT NULL UNIQUE,\n"
     "  created_at TEXT NOT NULL);\n"
     "CREATE TABLE answer(\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  version INTEGER NOT NULL,\n"
     "  sheet TEXT NOT NULL CHECK (sheet IN ('hospital','vendor')),\n"
     "  vendor_id INTEGER REFERENCES vendor(id),\n"
     "  item_id TEXT NOT NULL,\n"
     "  round INTEGER NOT NULL CHECK (round IN (1,2)),\n"
     "  scope TEXT NOT NULL CHECK (scope IN ('all','server','pc','network')),\n"
     "  value TEXT NOT NULL CHECK (value IN ('yes','no','na')),\n"
     "  checked_on TEXT NOT NULL,\n"
     "  target_on TEXT,\n"
     "  answerer TEXT NOT NULL,\n"
     "  note TEXT NOT NULL DEFAULT '',\n"
     "  recorded_at TEXT NOT NULL,\n"
     "  CHECK ((sheet = 'hospital') = (vendor_id IS NULL)),\n"
     "  CHECK (value = 'no' OR target_on IS NULL));\n"
     "CREATE INDEX answer_key ON answer(version, sheet, vendor_id, item_id, round, scope, id);\n"
     "CREATE TABLE audit(\n"
     "  seq INTEGER PRIMARY KEY,\n"
     "  at TEXT NOT NULL,\n"
     "  actor TEXT NOT NULL,\n"
     "  action TEXT NOT NULL,\n"
     "  entity TEXT NOT NULL,\n"
     "  before TEXT,\n"
     "  after TEXT,\n"
     "  prev_hash TEXT NOT NULL,\n"
     "  hash TEXT NOT NULL);\n"},
};

const int mm_migrations_len = (int)(sizeof(mm_migrations) / sizeof(mm_migrations[0]));
