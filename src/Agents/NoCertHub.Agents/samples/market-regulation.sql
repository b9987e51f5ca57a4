-- Sample legacy database of 椒江区市场监督管理局 (Jiaojiang Market Regulation Bureau).
CREATE TABLE enterprises (
    credit_code TEXT PRIMARY KEY,
    enterprise_name TEXT NOT NULL,
    legal_representative TEXT NOT NULL,
    registration_status TEXT NOT NULL
);
INSERT INTO enterprises VALUES
    ('91331002MA2H7K3L5D', '台州市椒江区海门精工机械有限公司', '张伟', '存续'),
    ('91331002MA2J8P0Q6T', '台州椒江白云商贸有限公司', '周敏', '注销');
