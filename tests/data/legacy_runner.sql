PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE IF NOT EXISTS "migrations" (
   "name" TEXT PRIMARY KEY,
   "applied" TEXT
);
INSERT INTO migrations VALUES('0001_core_tables','2026-11-30T14:07:06Z');
INSERT INTO migrations VALUES('0002_ingest_sentence_metadata','2026-11-30T14:07:06Z');
INSERT INTO migrations VALUES('0003_terms_index_and_glossary','2026-11-30T14:07:06Z');
INSERT INTO migrations VALUES('0004_review_history','2026-11-30T14:07:06Z');
INSERT INTO migrations VALUES('0005_document_file_fingerprint','2026-11-30T14:07:06Z');
INSERT INTO migrations VALUES('0006_user_accounts','2026-11-30T14:07:06Z');
INSERT INTO migrations VALUES('0007_glossary_accepted_occurrences','2026-11-30T14:07:06Z');
INSERT INTO migrations VALUES('0008_review_finished_documents','2026-11-30T14:07:06Z');
INSERT INTO migrations VALUES('0009_import_jobs','2026-11-30T14:07:06Z');
INSERT INTO migrations VALUES('0010_import_job_user','2026-11-30T14:07:06Z');
CREATE TABLE IF NOT EXISTS "documents" (
   "id" INTEGER PRIMARY KEY,
   "name" TEXT NOT NULL,
   "source_lang" TEXT NOT NULL,
   "target_lang" TEXT NOT NULL,
   "source_path" TEXT,
   "target_path" TEXT,
   "version" INTEGER DEFAULT 0,
   "created" TEXT,
   "updated" TEXT
, "compilation" TEXT, "file_fingerprint" TEXT, "finished" TEXT, "finished_by" TEXT);
INSERT INTO documents VALUES(1,'ancien','fr','en',NULL,NULL,1,'2026-11-30T14:07:06Z','2026-11-30T14:07:06Z',NULL,NULL,NULL,NULL);
CREATE TABLE IF NOT EXISTS "sentences" (
   "id" INTEGER PRIMARY KEY,
   "document_id" INTEGER NOT NULL REFERENCES "documents"("id"),
   "side" TEXT NOT NULL,
   "position" INTEGER NOT NULL,
   "paragraph" INTEGER,
   "text" TEXT NOT NULL
, "kind" TEXT NOT NULL DEFAULT 'text', "notes" TEXT);
INSERT INTO sentences VALUES(1,1,'source',0,0,'Un accord fut signé.','text',NULL);
INSERT INTO sentences VALUES(2,1,'target',0,0,'An agreement was signed.','text',NULL);
CREATE TABLE IF NOT EXISTS "links" (
   "id" INTEGER PRIMARY KEY,
   "document_id" INTEGER NOT NULL REFERENCES "documents"("id"),
   "position" INTEGER NOT NULL,
   "source_ids" TEXT NOT NULL,
   "target_ids" TEXT NOT NULL,
   "score" REAL,
   "status" TEXT NOT NULL DEFAULT 'auto',
   "created" TEXT,
   "updated" TEXT,
   "updated_by" TEXT
);
INSERT INTO links VALUES(1,1,0,'[1]','[2]',0.9000000000000000222,'auto','2026-11-30T14:07:06Z','2026-11-30T14:07:06Z',NULL);
CREATE TABLE IF NOT EXISTS "embeddings" (
   "model" TEXT,
   "key" TEXT,
   "dimension" INTEGER,
   "vector" BLOB,
   PRIMARY KEY ("model", "key")
);
PRAGMA writable_schema=ON;
INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)VALUES('table','term_index','term_index',0,'CREATE VIRTUAL TABLE term_index using fts5(fr, en, de, other, tokenize = ''unicode61 remove_diacritics 2'')');
CREATE TABLE IF NOT EXISTS 'term_index_data'(id INTEGER PRIMARY KEY, block BLOB);
INSERT INTO term_index_data VALUES(1,X'');
INSERT INTO term_index_data VALUES(10,X'00000000000000');
CREATE TABLE IF NOT EXISTS 'term_index_idx'(segid, term, pgno, PRIMARY KEY(segid, term)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS 'term_index_content'(id INTEGER PRIMARY KEY, c0, c1, c2, c3);
CREATE TABLE IF NOT EXISTS 'term_index_docsize'(id INTEGER PRIMARY KEY, sz BLOB);
CREATE TABLE IF NOT EXISTS 'term_index_config'(k PRIMARY KEY, v) WITHOUT ROWID;
INSERT INTO term_index_config VALUES('version',4);
INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)VALUES('table','term_vocab','term_vocab',0,'CREATE VIRTUAL TABLE term_vocab using fts5vocab(term_index, ''col'')');
CREATE TABLE IF NOT EXISTS "term_index_queue" (
   "sentence_id" INTEGER PRIMARY KEY
);
INSERT INTO term_index_queue VALUES(1);
INSERT INTO term_index_queue VALUES(2);
CREATE TABLE IF NOT EXISTS "link_members" (
   "link_id" INTEGER,
   "sentence_id" INTEGER,
   "side" TEXT
);
INSERT INTO link_members VALUES(1,1,'source');
INSERT INTO link_members VALUES(1,2,'target');
CREATE TABLE IF NOT EXISTS "glossary" (
   "id" INTEGER PRIMARY KEY,
   "source_term" TEXT NOT NULL,
   "target_term" TEXT NOT NULL,
   "source_lang" TEXT NOT NULL,
   "target_lang" TEXT NOT NULL,
   "note" TEXT DEFAULT '',
   "created" TEXT,
   "updated" TEXT
);
CREATE TABLE IF NOT EXISTS "history" (
   "id" INTEGER PRIMARY KEY,
   "document_id" INTEGER NOT NULL REFERENCES "documents"("id"),
   "seq" INTEGER NOT NULL,
   "op" TEXT NOT NULL,
   "summary" TEXT,
   "user" TEXT,
   "time" TEXT,
   "state" TEXT NOT NULL DEFAULT 'done',
   "undone_by" TEXT,
   "undone_at" TEXT,
   "focus_link" INTEGER,
   "before" TEXT NOT NULL,
   "after" TEXT NOT NULL
);
CREATE TABLE users (
          id integer primary key,
          name text not null unique collate nocase,
          role text not null,
          password_hash text not null,
          session_epoch integer not null default 0,
          failed_logins integer not null default 0,
          locked_until text,
          last_login text,
          created text not null,
          updated text not null
        );
CREATE TABLE IF NOT EXISTS "glossary_accepted" (
   "id" INTEGER PRIMARY KEY,
   "entry_id" INTEGER NOT NULL,
   "link_id" INTEGER NOT NULL,
   "source_text" TEXT NOT NULL,
   "target_text" TEXT NOT NULL,
   "accepted_by" TEXT,
   "accepted" TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS "import_jobs" (
   "id" TEXT PRIMARY KEY,
   "kind" TEXT NOT NULL,
   "name" TEXT,
   "state" TEXT NOT NULL DEFAULT 'queued',
   "stage" TEXT,
   "progress" REAL,
   "params" TEXT,
   "result" TEXT,
   "error" TEXT,
   "status" INTEGER,
   "remedy" TEXT,
   "owner" TEXT,
   "created" TEXT NOT NULL,
   "started" TEXT,
   "finished" TEXT
, "started_by" TEXT);
CREATE UNIQUE INDEX "idx_documents_name"
    ON "documents" ("name");
CREATE INDEX "idx_sentences_document_id_side_position"
    ON "sentences" ("document_id", "side", "position");
CREATE INDEX "idx_links_document_id_position"
    ON "links" ("document_id", "position");
CREATE INDEX "idx_link_members_sentence_id"
    ON "link_members" ("sentence_id");
CREATE INDEX "idx_link_members_link_id"
    ON "link_members" ("link_id");
CREATE TRIGGER term_index_sentence_insert after insert on sentences begin
  insert or ignore into term_index_queue (sentence_id) values (new.id);
end;
CREATE TRIGGER term_index_sentence_update after update of text, side, document_id
on sentences begin
  delete from term_index where rowid = old.id;
  insert or ignore into term_index_queue (sentence_id) values (new.id);
end;
CREATE TRIGGER term_index_sentence_delete after delete on sentences begin
  delete from term_index where rowid = old.id;
  delete from term_index_queue where sentence_id = old.id;
end;
CREATE TRIGGER link_members_insert after insert on links begin
  insert into link_members (link_id, sentence_id, side)
    select new.id, value, 'source' from json_each(new.source_ids)
    union all select new.id, value, 'target' from json_each(new.target_ids);
end;
CREATE TRIGGER link_members_update after update of source_ids, target_ids on links begin
  delete from link_members where link_id = old.id;
  insert into link_members (link_id, sentence_id, side)
    select new.id, value, 'source' from json_each(new.source_ids)
    union all select new.id, value, 'target' from json_each(new.target_ids);
end;
CREATE TRIGGER link_members_delete after delete on links begin
  delete from link_members where link_id = old.id;
end;
CREATE UNIQUE INDEX "idx_history_document_id_seq"
    ON "history" ("document_id", "seq");
CREATE UNIQUE INDEX "idx_glossary_accepted_entry_id_link_id"
    ON "glossary_accepted" ("entry_id", "link_id");
CREATE INDEX "idx_import_jobs_state"
    ON "import_jobs" ("state");
CREATE INDEX "idx_import_jobs_created"
    ON "import_jobs" ("created");
PRAGMA writable_schema=OFF;
COMMIT;
