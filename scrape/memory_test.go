package scrape

import (
	"reflect"
	"testing"
	"time"
)

// full is a view with every field set, so that changing any one of them is a change.
func full() *Job {
	f, n, yes, no := 2.5, 3, true, false
	when := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	return &Job{ID: "j", ClusterID: "c", SnapshotID: "s", BatchID: "b", DeliveryMethod: "HTTP", PointInTime: "false",
		Status: "FINISHED", DeliveryStatus: "READY", TargetGroupID: "g", TargetClusterName: "t",
		Created: when, Finished: when.Add(time.Hour), Snapshot: when.Add(-time.Hour), Expiry: when.Add(2 * time.Hour),
		Started: when.Add(time.Minute), ValiditySeconds: &f, MaxDownloads: &f, Downloaded: &yes, Encryption: &no,
		Components: &n, Odd: []string{"created=soon"}}
}

// same must see every field of a view: a view standing for a changed one would export old
// values for ever. Each field in turn is changed (by reflection, so a field added later is
// covered without editing this test) and must make the two views differ.
func TestSameSeesEveryField(t *testing.T) {
	if a, b := full(), full(); !a.same(b) {
		t.Fatal("two views of the same job differ")
	}
	typ := reflect.TypeFor[Job]()
	for i := range typ.NumField() {
		a, b := full(), full()
		f := reflect.ValueOf(b).Elem().Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString(f.String() + "x")
		case reflect.Struct: // time.Time
			f.Set(reflect.ValueOf(f.Interface().(time.Time).Add(time.Second)))
		case reflect.Pointer:
			changed := reflect.New(f.Type().Elem())
			if f.Type().Elem().Kind() == reflect.Bool {
				changed.Elem().SetBool(!f.Elem().Bool())
			} else if f.Type().Elem().Kind() == reflect.Int {
				changed.Elem().SetInt(f.Elem().Int() + 1)
			} else {
				changed.Elem().SetFloat(f.Elem().Float() + 1)
			}
			f.Set(changed)
		case reflect.Slice:
			f.Set(reflect.ValueOf([]string{"finishedAt=later"}))
		default:
			t.Fatalf("field %s: kind %s not covered by this test", typ.Field(i).Name, f.Kind())
		}
		if a.same(b) {
			t.Errorf("a change of %s goes unseen", typ.Field(i).Name)
		}
		if f.Kind() == reflect.Pointer {
			f.Set(reflect.Zero(f.Type())) // absent differs from present
			if a.same(b) {
				t.Errorf("%s absent goes unseen", typ.Field(i).Name)
			}
		}
	}
}

// A read of an unchanged list holds the last read's views, not copies of them; a changed or new
// job gets its new view.
func TestShareUnchanged(t *testing.T) {
	kept, changed := full(), full()
	changed.ID = "k"
	last := []*Job{kept, changed, nil}
	again, moved, fresh := full(), full(), full()
	moved.ID, moved.Status = "k", "BROKEN"
	fresh.ID = "new"
	got := shareUnchanged([]*Job{again, moved, fresh}, last)
	if got[0] != kept {
		t.Error("an unchanged job was not shared with the last read")
	}
	if got[1] != moved || got[1].Status != "BROKEN" {
		t.Error("a changed job kept its old view")
	}
	if got[2] != fresh {
		t.Error("a new job lost its view")
	}
}

// Record rows: derived from the jobs kept, plus those of the jobs a cap left out; a cap that keeps
// everything keeps no rows of its own.
func TestDroppedRows(t *testing.T) {
	a, b, c := full(), full(), full()
	b.ID, c.ID = "b", "c"
	if rows := droppedRows([]*Job{a, b, c}, []*Job{a, b, c}); rows != nil {
		t.Errorf("a cap that kept every job keeps rows %v", rows)
	}
	rows := droppedRows([]*Job{a, b, c}, []*Job{b})
	if len(rows) != 2 || rows[0].ID != "j" || rows[1].ID != "c" {
		t.Errorf("rows of the dropped jobs: %v, want j and c", rows)
	}
	coll := &CollectionJob{ID: "coll", State: "SUCCESSFUL"}
	tr := &TargetResult{Jobs: []*Job{b}, Dropped: rows, Collections: []*CollectionJob{coll}}
	if all := tr.Restores(); len(all) != 4 || all[3].ID != "coll" {
		t.Errorf("the record sees %v, want all 3 jobs listed and the collection restore", all)
	}
	// A cluster whose jobs are no longer read (its backups were turned off) keeps the same rows
	// from its last read: its collection restores happened all the same.
	last := lastRead{jobs: tr.Jobs, dropped: tr.Dropped, collections: tr.Collections}
	if history := last.rows(); len(history) != 4 || history[3].ID != "coll" || history[3].Outcome != OutcomeSucceeded {
		t.Errorf("the history holds %v, want the 4 rows of the last read", history)
	}
}
