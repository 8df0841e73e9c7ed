package scrape

// Remembered is how many targets s remembers between scrapes, for tests of what it forgets.
func Remembered(s *Scraper) int { return s.memory.size() }
