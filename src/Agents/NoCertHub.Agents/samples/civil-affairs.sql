-- Sample legacy database of 椒江区民政局 (Jiaojiang Civil Affairs Bureau). Invented people.
CREATE TABLE marriage_registry (
    id_number TEXT PRIMARY KEY,
    full_name TEXT NOT NULL,
    marital_status TEXT NOT NULL,
    registered_on TEXT NULL
);
INSERT INTO marriage_registry VALUES
    ('33100219850312001X', '张伟', '已婚', '2012-10-01'),
    ('331002199007210029', '李娜', '未婚', NULL),
    ('331002197811020032', '王芳', '离异', '2015-04-20'),
    ('331002199501300046', '陈杰', '未婚', NULL);
