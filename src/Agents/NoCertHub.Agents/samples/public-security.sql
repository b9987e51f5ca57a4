-- Sample legacy database of 椒江区公安分局 (Jiaojiang Public Security Sub-bureau). Invented people.
CREATE TABLE residents (
    id_number TEXT PRIMARY KEY,
    full_name TEXT NOT NULL,
    household_address TEXT NULL
);
CREATE TABLE criminal_records (
    id INTEGER PRIMARY KEY,
    id_number TEXT NOT NULL,
    offence TEXT NOT NULL,
    judgment_date TEXT NOT NULL
);
INSERT INTO residents VALUES
    ('33100219850312001X', '张伟', '椒江区海门街道东山路18号'),
    ('331002199007210029', '李娜', '椒江区白云街道市府大道66号'),
    ('331002197811020032', '王芳', '椒江区葭沚街道葭沚老街3号'),
    ('331002199501300046', '陈杰', '椒江区洪家街道洪三村12号'),
    ('331002200005050055', '林晓', '椒江区下陈街道下陈路9号');
INSERT INTO criminal_records (id_number, offence, judgment_date) VALUES
    ('331002199501300046', '盗窃罪', '2019-06-18');
