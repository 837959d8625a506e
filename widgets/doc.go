// Package widgets holds Grove's reusable Fyne widgets: the virtualized
// record table, editors for each field type, the form generated from a
// tool's design, the conflict chooser, the month calendar, the board and
// the presence badge.
//
// Every widget embeds widget.BaseWidget, keeps its state in the widget (the
// renderer only draws), takes sizes and colours from the theme, and
// reports what the person wants through On… callbacks. Widgets are
// passive: no goroutines, no storage; the screens' controllers feed them.
// Large data goes through widget.Table and widget.List fed by windowed
// data sources (TableData, BoardData), never one child per record.
package widgets
