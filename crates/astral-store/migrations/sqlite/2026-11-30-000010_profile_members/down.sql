DROP TABLE profile_member_images;
DROP TABLE profile_members;
