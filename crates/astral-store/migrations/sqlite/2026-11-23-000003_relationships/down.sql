DROP TABLE relationships;
