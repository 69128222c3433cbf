-- evidence-kb SQLite schema, generated from kb/sinks/sql/tables.py by `kb schema export`.

CREATE TABLE article (
	pmid VARCHAR NOT NULL, 
	iri VARCHAR NOT NULL, 
	title VARCHAR NOT NULL, 
	journal VARCHAR, 
	pub_date VARCHAR, 
	year INTEGER, 
	volume VARCHAR, 
	issue VARCHAR, 
	pages VARCHAR, 
	doi VARCHAR, 
	pmcid VARCHAR, 
	language VARCHAR, 
	abstract VARCHAR, 
	publication_types JSON NOT NULL, 
	mesh_headings JSON NOT NULL, 
	keywords JSON NOT NULL, 
	sections JSON NOT NULL, 
	comments_corrections JSON NOT NULL, 
	cited_by_count INTEGER, 
	cited_by_ingested INTEGER NOT NULL, 
	version INTEGER NOT NULL, 
	revised VARCHAR, 
	status VARCHAR NOT NULL, 
	retracted BOOLEAN NOT NULL, 
	PRIMARY KEY (pmid)
);
CREATE INDEX ix_article_year ON article (year);

CREATE TABLE build (
	name VARCHAR NOT NULL, 
	title VARCHAR NOT NULL, 
	seed_pmids JSON NOT NULL, 
	run_at VARCHAR NOT NULL, 
	kb_version VARCHAR NOT NULL, 
	manifest_sha256 VARCHAR NOT NULL, 
	PRIMARY KEY (name)
);

CREATE TABLE citation (
	citing VARCHAR NOT NULL, 
	cited VARCHAR NOT NULL, 
	origin VARCHAR NOT NULL, 
	PRIMARY KEY (citing, cited, origin)
);
CREATE INDEX ix_citation_cited ON citation (cited);
CREATE INDEX ix_citation_citing ON citation (citing);

CREATE TABLE citation_stats (
	pmid VARCHAR NOT NULL, 
	in_kb BOOLEAN NOT NULL, 
	cited_by INTEGER NOT NULL, 
	reported INTEGER, 
	cites INTEGER NOT NULL, 
	citing_years JSON NOT NULL, 
	citing_year_unknown INTEGER NOT NULL, 
	co_cited_with INTEGER NOT NULL, 
	co_citations INTEGER NOT NULL, 
	coupled_with INTEGER NOT NULL, 
	couplings INTEGER NOT NULL, 
	PRIMARY KEY (pmid)
);
CREATE INDEX ix_citation_stats_cited_by ON citation_stats (cited_by);

CREATE TABLE author (
	pmid VARCHAR NOT NULL, 
	position INTEGER NOT NULL, 
	name VARCHAR NOT NULL, 
	last_name VARCHAR, 
	fore_name VARCHAR, 
	orcid VARCHAR, 
	collective BOOLEAN NOT NULL, 
	PRIMARY KEY (pmid, position), 
	FOREIGN KEY(pmid) REFERENCES article (pmid)
);

CREATE TABLE intervention (
	pmid VARCHAR NOT NULL, 
	position INTEGER NOT NULL, 
	iri VARCHAR NOT NULL, 
	name VARCHAR NOT NULL, 
	drug_class VARCHAR, 
	regimen VARCHAR, 
	code VARCHAR, 
	PRIMARY KEY (pmid, position), 
	FOREIGN KEY(pmid) REFERENCES article (pmid)
);
CREATE INDEX ix_intervention_name ON intervention (name);

CREATE TABLE measurement (
	iri VARCHAR NOT NULL, 
	pmid VARCHAR NOT NULL, 
	position INTEGER NOT NULL, 
	kind VARCHAR NOT NULL, 
	endpoint VARCHAR NOT NULL, 
	code VARCHAR, 
	statistic VARCHAR NOT NULL, 
	numerator INTEGER, 
	denominator INTEGER, 
	percent FLOAT, 
	value FLOAT, 
	unit VARCHAR, 
	ci_low FLOAT, 
	ci_high FLOAT, 
	ci_level FLOAT, 
	p_value VARCHAR, 
	timepoint VARCHAR, 
	grade VARCHAR, 
	grading_system VARCHAR, 
	subgroup VARCHAR, 
	arm VARCHAR, 
	section VARCHAR, 
	evidence_start INTEGER NOT NULL, 
	evidence_end INTEGER NOT NULL, 
	evidence_text VARCHAR NOT NULL, 
	derived JSON NOT NULL, 
	checks JSON NOT NULL, 
	checks_ok BOOLEAN NOT NULL, 
	PRIMARY KEY (iri), 
	FOREIGN KEY(pmid) REFERENCES article (pmid)
);
CREATE INDEX ix_measurement_endpoint ON measurement (endpoint);
CREATE INDEX ix_measurement_kind ON measurement (kind);
CREATE INDEX ix_measurement_pmid ON measurement (pmid);

CREATE TABLE provenance (
	pmid VARCHAR NOT NULL, 
	snapshot_path VARCHAR NOT NULL, 
	snapshot_sha256 VARCHAR NOT NULL, 
	reader VARCHAR NOT NULL, 
	reader_version VARCHAR NOT NULL, 
	extractor VARCHAR NOT NULL, 
	extractor_version VARCHAR NOT NULL, 
	run_at VARCHAR NOT NULL, 
	note VARCHAR, 
	PRIMARY KEY (pmid), 
	FOREIGN KEY(pmid) REFERENCES article (pmid)
);

CREATE TABLE study (
	pmid VARCHAR NOT NULL, 
	design JSON NOT NULL, 
	n INTEGER, 
	population_n INTEGER, 
	condition VARCHAR, 
	characteristics JSON NOT NULL, 
	PRIMARY KEY (pmid), 
	FOREIGN KEY(pmid) REFERENCES article (pmid)
);
