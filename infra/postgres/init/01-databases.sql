-- Run once by the postgres image's entry point, when the data volume is new.
-- Each service owns one database and applies its own migrations at start.
CREATE DATABASE users;
CREATE DATABASE timelines;
