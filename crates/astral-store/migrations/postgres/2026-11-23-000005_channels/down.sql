DROP TABLE channel_recipients;
DROP TABLE channels;
