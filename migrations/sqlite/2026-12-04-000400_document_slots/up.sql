-- A named place for a photo where the type asks for one (an ID card's 正面 / 反面), so
-- the office knows which side it is and the resident sees which one is still missing.
-- NULL for kinds without named slots and for every document uploaded before.
ALTER TABLE documents ADD COLUMN slot TEXT;
