-- Agents cannot be kept under the old constraint: the rebuild is not undone.
SELECT 1;
