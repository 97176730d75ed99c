package sqlstore

// RefuseWritesForTest makes a SQLite store's write connection refuse
// writes, as a database opened read-only does.
func RefuseWritesForTest(s *Store) error {
	_, err := s.writeDB.Exec("PRAGMA query_only = 1")
	return err
}
