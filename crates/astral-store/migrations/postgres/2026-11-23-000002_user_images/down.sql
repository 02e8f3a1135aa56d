DROP TABLE user_images;
