package sqlite

// RefuseWritesForTest makes the store's write connection refuse writes, as
// a database opened read-only does.
func RefuseWritesForTest(s *Store) error {
	_, err := s.writer.Exec("PRAGMA query_only = 1")
	return err
}
