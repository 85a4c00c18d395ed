import SwapInspectCommands

SwapInspectCommand.main()
