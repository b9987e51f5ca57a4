-- Sample records of 椒江区海门街道 (Haimen street office): residence checks its grid officers
-- have made, with who made each one. Invented people.
CREATE TABLE residence_checks (
    id_number TEXT PRIMARY KEY,
    full_name TEXT NOT NULL,
    address TEXT NOT NULL,
    visited_by TEXT NOT NULL
);
INSERT INTO residence_checks VALUES
    ('33100219850312001X', '张伟', '椒江区海门街道东山路18号', 'grid-officer-chen'),
    ('331002199007210029', '李娜', '椒江区海门街道中山西路6号', 'grid-officer-wu');
