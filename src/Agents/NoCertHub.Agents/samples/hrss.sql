-- Sample legacy database of 椒江区人力资源和社会保障局 (Jiaojiang HR and Social Security Bureau).
CREATE TABLE insured_persons (
    id_number TEXT PRIMARY KEY,
    full_name TEXT NOT NULL,
    insured_status TEXT NOT NULL,
    employer TEXT NULL,
    months_contributed INTEGER NOT NULL
);
INSERT INTO insured_persons VALUES
    ('33100219850312001X', '张伟', '参保缴费', '台州市椒江区海门精工机械有限公司', 148),
    ('331002199007210029', '李娜', '参保缴费', '台州椒江白云商贸有限公司', 60),
    ('331002197811020032', '王芳', '暂停缴费', NULL, 201);
